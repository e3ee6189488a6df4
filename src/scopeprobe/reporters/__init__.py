"""Reporters turn what the probe's sources read into report nodes, one source each."""
