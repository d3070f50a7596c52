"""Streamlit glue shared by the pages (cached store and reference, sidebar, banners).

Only this package and `pages/` import Streamlit.
"""
