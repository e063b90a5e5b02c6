"""GraphQL for live links to network accounts."""
