"""GraphQL for notices: a member's own inbox (`me { notices }`), a brand's own inbox (`brandNotices`)."""
