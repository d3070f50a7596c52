"""User text shown as text: comments, file names, territory and account names never become
Markdown or HTML (a `![x](http://…)` in a comment would make every reader's browser call
an outside server; a link « Reconnectez-vous ici » would phish inside the app).

`plain(text)` escapes what Streamlit's Markdown would interpret (Markdown punctuation, HTML,
`:material/…:` icons and `:red[…]` colours, `$…$` formulas), so that the text can sit inside
a message built with `st.markdown`, `st.caption`, `st.info`, `st.error`... A text shown on its
own goes through `st.text` or a dataframe (never Markdown).
"""

from __future__ import annotations

import re

# What Streamlit's Markdown (GitHub flavour, HTML, directives, math) could interpret, escaped
# with a backslash as CommonMark allows; plain punctuation (. , ' - ( ) :) stays as it is so
# that messages read the same in the page and in the tests.
_ALWAYS = re.compile(r"([\\`*_{}\[\]<>!#|~$@&])")
_DIRECTIVE = re.compile(r":(?=[A-Za-z/])")  # :material/icon:, :red[...], :smile:, http://
_WWW = re.compile(r"(?i)(www)\.")  # www.example.com autolinks
_LINE_START = re.compile(r"(?m)^(\s*)([-+=>])")  # lists, setext headings, quotes
_ORDERED = re.compile(r"(?m)^(\s*\d+)([.)])")  # ordered lists: 1\. (a backslash before a digit shows)


def plain(text: object) -> str:
    """`text` escaped for Streamlit Markdown: shown character for character, never interpreted.

    >>> print(plain("![x](http://e.example/p.png)"))
    \\!\\[x\\](http\\://e.example/p.png)
    """
    escaped = _ALWAYS.sub(r"\\\1", str(text))
    escaped = _DIRECTIVE.sub(r"\\:", escaped)
    escaped = _WWW.sub(r"\1\\.", escaped)
    escaped = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    escaped = _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    # Line breaks kept as line breaks (two spaces before a newline), not paragraphs of Markdown.
    return escaped.replace("\n", "  \n")
