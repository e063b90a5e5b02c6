"""Scores, their explanations and history, topics of expertise, public profiles and leaderboards."""
