"""Streamlit-only helpers for the embedlens app (state keys, cached steps, feedback, charts)."""
