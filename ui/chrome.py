"""The frame around every page (Streamlit only): French texts for Streamlit's own widgets, our
navigation, and the one-line demonstration notice.

Streamlit 1.67 has no locale option: its uploader, multiselect, text inputs and skip link
write English (« Upload », « 10MB per file », « Press Enter to apply », « No results »). The
texts we control are set by arguments (`placeholder=`, labels); the others are replaced by
the static style sheet below, written here and nowhere else: each English text is hidden
(`display: none`, so it is neither seen nor read out) and a French one is drawn in its place
by CSS generated content. No script runs. `tests/test_e2e_a11y.py` scans every page's
visible text for the English strings Streamlit ships.
"""

from __future__ import annotations

import streamlit as st

from indicators.access import Actor
from indicators.catalogue import Reference
from ui.text import plain

# Placeholder of every multiselect (Streamlit's own is « Choose options »).
CHOOSE = "Choisir…"

FRENCH_CSS = """
<style>
/* file uploader: « Upload » button, « 10MB per file • CSV… », « Drag and drop a file here » */
/* the button's own word stays in the page, at size 0, as its accessible name (axe-core does not
   count generated content): screen readers may announce both words */
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"]
  [data-testid="stMarkdownContainer"] p { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"]
  [data-testid="stMarkdownContainer"]::after { content: "Parcourir"; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "ou glisser-déposer le fichier ici"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInput"] + div:has(> span) > span { display: none; }
[data-testid="stFileUploaderDropzoneInput"] + div:has(> span)::after { content: "Déposer le fichier ici"; }
/* the size of an uploaded file (« 8.5KB »): the page writes it in French (Ko, Mo) */
[data-testid="stFileChipName"] + div { display: none; }
/* « Press Enter to apply », « Press Enter to submit form », « Press Ctrl+Enter to … » */
[data-testid="InputInstructions"] > span:first-child { display: none; }
[data-testid="InputInstructions"] > span:nth-child(2)::before { content: none; }
[data-testid="stTextInput"] [data-testid="InputInstructions"]::before { content: "Entrée pour appliquer"; }
[data-testid="stForm"] [data-testid="stTextInput"] [data-testid="InputInstructions"]::before {
  content: "Entrée pour valider"; }
[data-testid="stTextArea"] [data-testid="InputInstructions"]::before { content: "Ctrl+Entrée pour appliquer · "; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"]::before {
  content: "Ctrl+Entrée pour valider · "; }
/* lists of choices: « No results » */
[role="listbox"][data-empty="true"] [role="option"] span { display: none; }
[role="listbox"][data-empty="true"]::after { content: "Aucun résultat"; display: block; padding: 0.5rem 1rem; }
/* a link to a page wraps instead of being cut with an ellipsis */
[data-testid="stPageLink-NavLink"] span, [data-testid="stPageLink-NavLink"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
/* contrast (WCAG AA): captions and the labels of disabled fields are drawn in a faded grey */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #4B5563 !important; opacity: 1 !important; }
[data-testid="stWidgetLabel"] p { color: #1F2933 !important; }
/* a long word in a table cell (a file name, a JSON change) wraps instead of scrolling the cell */
[data-testid="stTable"] td [data-testid="stMarkdownContainer"] { overflow: visible !important; overflow-wrap: anywhere; }
[data-testid="stTable"] td, [data-testid="stTable"] th { white-space: normal !important; }
[data-testid="stTable"] td, [data-testid="stTable"] td * { overflow-wrap: break-word !important; }
/* a heading's anchor link (« Link to heading »): an English name read out and a stop of the
   keyboard's path at every heading; hidden, it is neither (a heading's help stays) */
[data-testid="stHeaderActionElements"] a[href^="#"] { display: none !important; }
/* the skip link, shown on keyboard focus: « Skip to main content » */
[data-testid="stSkipToContent"] { font-size: 0 !important; }
[data-testid="stSkipToContent"]::after { content: "Aller au contenu"; font-size: 1rem; }
</style>
"""


def french_widgets() -> None:
    """Write the static style sheet that puts Streamlit's own widget texts in French."""
    st.html(FRENCH_CSS)


def demo_notice(actor: Actor | None, convention: str | None = None) -> None:
    """One slim line on every page while demonstration values are present.

    Only an administrator's line says how to remove them (a shell command is of no use to
    the other readers); `convention` names the convention shown when it is not the default one.
    """
    line = ":orange-badge[:material/science: Données de démonstration] valeurs générées, non réelles"
    if actor is not None and actor.is_admin:
        named = f" --convention {convention}" if convention else ""
        line += f" · à retirer avec `python cli.py demo --remove{named}`"
    st.markdown(line)


def demo_convention_notice(ref: Reference) -> None:
    """One line on every page of a fictitious convention shipped for demonstration."""
    st.markdown(
        ":orange-badge[:material/science: Convention fictive de démonstration] "
        + plain(ref.convention.demonstration_note or "objectifs, indicateurs et cibles fictifs")
    )


def sidebar_navigation(pages: dict[str, list]) -> None:
    """Our menu: one bold group name, then one link per page (Streamlit's own menu, a list
    holding its section headers, fails the accessibility checks)."""
    with st.sidebar.container(key="ctg_menu"):
        for group, items in pages.items():
            if not items:
                continue
            st.markdown(f"**{group}**")
            for item in items:
                st.page_link(item, label=item.title, icon=item.icon)
