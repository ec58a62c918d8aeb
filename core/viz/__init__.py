"""Figure builders: data in, Plotly figure (or image array) out; no Streamlit."""
