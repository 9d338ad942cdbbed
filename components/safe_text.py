"""Text that people or files supplied (file names, cell values in error lines, plan text, unit and
account names), made safe to show through Streamlit's Markdown: st.markdown, st.write, st.error,
st.warning, st.caption, st.title, metric values and button labels all render Markdown, so
`![x](http://evil/x.png)` would load an image from any host and `[link](http://evil)` would be a
link. Every such text goes through `md_escape`; st.dataframe, st.text and st.code show text as is.
"""
from __future__ import annotations

import re
import string

# CommonMark lets any ASCII punctuation be backslash-escaped and then shows it literally. Escaping
# all of it also stops GitHub-flavoured autolinks (http://…, www.…, a@b.c), Streamlit's
# :colour[…] and :material/…: directives, $maths$ and raw HTML.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def md_escape(text: object) -> str:
    """The text shown literally, on one line, by any Streamlit element that renders Markdown."""
    if text is None or (isinstance(text, float) and text != text):   # None, NaN: nothing to show
        return ""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)).strip())


_QUOTED = re.compile(r"'([^'\n]+)'")


def sentence(refusal: object) -> str:
    """A refusal from the core (auth.PermissionDenied, RequestError, …) as a reader sees it: a
    capital first letter, a full stop, “curly” quotes for the words it quotes; escaped like
    md_escape. The core's messages start in lower case to read inside a line of the command line."""
    text = _QUOTED.sub(r"“\1”", _LINE_BREAKS.sub(" ", str(refusal)).strip())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return md_escape(text if text.endswith((".", "!", "?", "…")) else text + ".")
