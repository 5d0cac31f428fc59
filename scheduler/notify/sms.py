"""SMS text in the GSM-7 alphabet: 160 characters fit one message; longer texts are split
into parts that say so ("(1/2) ..."), so the patient sees a second part is coming.

A single character outside GSM-7 (a curly quote, an accent the alphabet lacks) would make
the whole message UCS-2, where one message holds only 70 characters; such characters are
replaced by their nearest GSM-7 spelling before counting.
"""

from __future__ import annotations

import unicodedata

SMS_LIMIT = 160
# The GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
_REPLACEMENTS = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u00b7": "-", "\u00d7": "x", "\t": " ",
}


def to_gsm7(text: str) -> str:
    """The text with every character the GSM-7 alphabet lacks replaced by a near spelling."""
    out = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(bare if bare and all(c in GSM7_BASIC for c in bare) else "?")
    return "".join(out)


def septets(text: str) -> int:
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def split_sms(text: str, limit: int = SMS_LIMIT) -> list[str]:
    """One GSM-7 message, or numbered parts "(i/n) ..." each within `limit` septets."""
    text = " ".join(to_gsm7(text).split())
    if septets(text) <= limit:
        return [text]
    for digits in (1, 2):
        room = limit - septets(f"({'9' * digits}/{'9' * digits}) ")
        parts = _wrap(text, room)
        if len(parts) < 10 ** digits:
            return [f"({i}/{len(parts)}) {part}" for i, part in enumerate(parts, 1)]
    raise ValueError("a reminder text this long is a bug")


def _wrap(text: str, room: int) -> list[str]:
    parts, current = [], ""
    for word in text.split(" "):
        while septets(word) > room:  # a word longer than a part: cut it
            head = current + (" " if current else "")
            take = room - septets(head)
            if take <= 0:
                parts.append(current)
                current, head, take = "", "", room
            cut = _fit(word, take)
            parts.append(head + word[:cut])
            word, current = word[cut:], ""
        candidate = f"{current} {word}" if current else word
        if septets(candidate) <= room:
            current = candidate
        else:
            parts.append(current)
            current = word
    if current:
        parts.append(current)
    return parts


def _fit(word: str, room: int) -> int:
    n = 0
    while n < len(word) and septets(word[: n + 1]) <= room:
        n += 1
    return n
