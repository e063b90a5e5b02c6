"""GraphQL for perks: brands publish and see their claims; members see and claim what they are eligible for."""
