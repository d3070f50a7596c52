"""Domain logic of the CTG dashboard: catalogue, periods, validation, aggregation, reports.

Nothing in this package imports Streamlit: pages call it and render what it returns.
"""
