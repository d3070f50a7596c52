"""Reports: the bilan document, chart figures, the image/PDF engine, spreadsheets, templates.

Built from what the use cases (`services/`) gather; never reads the store itself.
"""
