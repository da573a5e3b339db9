#!/usr/bin/env python3
"""The ReportLab peer of `kigen run` (SPEC 16 "Speed", issue 20).

Does kigen's night on the Saku layout with ReportLab: reads the CP932
registry export, decides who is due (rules.py), sorts the packets by postal
code and address, writes the print PDFs (the 有効期限通知書 and its
enclosure, the same wording from templates/saku/profile.toml, IPAex fonts
embedded as TrueType subsets) and a manifest CSV.

Configured for speed (README.md has the variants measured): the fixed
content of each page kind is a Form XObject drawn once per print file and
placed on every page; one canvas per print file; the fonts registered once;
the resident's data in one text object per page; the packets split into as
many print files as worker processes (default 2, one per core).

    python3 scripts/peer/reportlab_peer.py --input REG.csv --as-of 2026-11-26 --out DIR
"""

import argparse
import datetime as dt
import multiprocessing as mp
import os
import sys
import time

try:
    import tomllib
except ImportError:  # Python < 3.11
    sys.exit("reportlab_peer: Python 3.11 or later is needed (tomllib)")

if "--no-accel" in sys.argv:
    sys.modules["_rl_accel"] = None  # variant: ReportLab's pure-Python fallbacks

try:
    import reportlab
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas as rl_canvas
except ImportError:
    sys.exit("reportlab_peer: ReportLab is missing: pip install -r scripts/peer/requirements.txt")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rules  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MM = 72.0 / 25.4  # points per mm
PAGE_W, PAGE_H = A4
LEFT, RIGHT = 18.0, 192.0
BODY_BOTTOM = 280.0
MINCHO, GOTHIC = "IPAexMincho", "IPAexGothic"
ASCENT, DESCENT = 0.8798828125, 0.1201171875  # IPAex, per point of size

# Variant switches (README.md): set from the command line.
OPTS = {"forms": True, "textobject": True}

NO_LINE_START = set("、。，．,.）)」』】〕〉》］？！?!ー・：；:;ぁぃぅぇぉっゃゅょァィゥェォッャュョ々～―")
NO_LINE_END = set("（(「『【〔〈《［〒")


def leading(size, factor):
    return size * factor / MM


# --- a canvas in kigen's coordinates: mm from the top-left corner -----------

class Page:
    """Draws on a ReportLab canvas (or measures only, `c` None) in mm from the
    top-left corner, y growing down, as kigen's layout does."""

    def __init__(self, c):
        self.c = c
        self.t = None  # the open text object (OPTS["textobject"])
        self.font = None

    @staticmethod
    def width(font, size, s):
        return pdfmetrics.stringWidth(s, font, size) / MM

    def text(self, font, size, x, y, s):
        if self.c is None or not s:
            return
        if OPTS["textobject"]:
            t = self.t
            if t is None:
                t = self.t = self.c.beginText()
                self.font = None
            if self.font != (font, size):
                t.setFont(font, size)
                self.font = (font, size)
            t.setTextOrigin(x * MM, PAGE_H - y * MM)
            t.textOut(s)
        else:
            self.c.setFont(font, size)
            self.c.drawString(x * MM, PAGE_H - y * MM, s)

    def flush(self):
        if self.t is not None:
            self.c.drawText(self.t)
            self.t = None

    def text_right(self, font, size, right, y, s):
        self.text(font, size, right - self.width(font, size, s), y, s)

    def text_center(self, font, size, centre, y, s):
        self.text(font, size, centre - self.width(font, size, s) / 2, y, s)

    def rect(self, x, y, w, h, paint, lw=0.0):
        if self.c is None:
            return
        self.flush()
        c = self.c
        if paint == "shade":
            c.setFillGray(0.85)
            c.rect(x * MM, PAGE_H - (y + h) * MM, w * MM, h * MM, stroke=0, fill=1)
            c.setFillGray(0)
        elif paint == "fill":
            c.rect(x * MM, PAGE_H - (y + h) * MM, w * MM, h * MM, stroke=0, fill=1)
        else:
            c.setLineWidth(lw)
            c.rect(x * MM, PAGE_H - (y + h) * MM, w * MM, h * MM, stroke=1, fill=0)

    def line(self, x1, y1, x2, y2, lw, dashed=False):
        if self.c is None:
            return
        self.flush()
        c = self.c
        c.setLineWidth(lw)
        if dashed:
            c.setDash(2, 1)
        c.line(x1 * MM, PAGE_H - y1 * MM, x2 * MM, PAGE_H - y2 * MM)
        if dashed:
            c.setDash()

    def fit_size(self, font, max_pt, min_pt, s, width):
        w = self.width(font, max_pt, s)
        if w <= width:
            return max_pt
        exact = max_pt * width / max(w, 1e-6)
        return min(max(int(exact * 4) / 4, min_pt), max_pt)

    def wrap(self, font, size, width, text):
        out = []
        for para in text.split("\n"):
            tokens, i = [], 0
            while i < len(para):
                j = i + 1
                if para[i].isascii() and para[i].isprintable() and para[i] != " ":
                    while j < len(para) and para[j].isascii() and para[j] != " ":
                        j += 1
                tokens.append(para[i:j])
                i = j
            line, line_w, k = "", 0.0, 0
            while k < len(tokens):
                t = tokens[k]
                w = self.width(font, size, t)
                if line_w + w <= width + 0.01 or not line or t[0] in NO_LINE_START:
                    line += t
                    line_w += w
                    k += 1
                    continue
                carry = ""
                while len(line) > 1 and line[-1] in NO_LINE_END:
                    carry = line[-1] + carry
                    line = line[:-1]
                out.append(line.rstrip())
                line = carry
                line_w = self.width(font, size, line)
                if t == " ":
                    k += 1
            if line or not out:
                out.append(line.rstrip())
        return out

    def paragraph(self, font, size, x, y, width, lead, text):
        for line in self.wrap(font, size, width, text):
            self.text(font, size, x, y, line)
            y += lead
        return y

    def marked_paragraph(self, font, size, x, y, width, lead, mark, text):
        indent = self.width(font, size, mark)
        self.text(font, size, x, y, mark)
        return self.paragraph(font, size, x + indent, y, width - indent, lead, text)

    def boxes(self, x, y, n, side):
        for i in range(n):
            self.rect(x + i * side, y, side, side, "stroke", 0.6)


# --- the letter (kigen src/render/letter.rs) --------------------------------

class Sizes:
    def __init__(self, size):
        self.size = size
        self.lead = leading(size, 1.55)
        self.head = size + 1.5
        self.small = size - 0.5
        self.small_lead = leading(self.small, 1.45)


def section_heading(p, size, y, text):
    y += 0.6
    p.rect(LEFT, y - size * 0.3, 1.4, size * 0.36, "fill")
    p.text(GOTHIC, size, LEFT + 3.0, y, text)
    return y + leading(size, 1.5)


def bullets(p, z, y, items):
    for s in items:
        y = p.marked_paragraph(MINCHO, z.size, LEFT + 2.0, y, RIGHT - LEFT - 2.0, z.lead, "・", s)
    return y


def counters(p, l, z, y):
    y = section_heading(p, z.head, y, l["counters_heading"])
    name_w = max(p.width(MINCHO, z.size, k["name"]) for k in l["counters"])
    for k in l["counters"]:
        p.text(MINCHO, z.size, LEFT + 4.0, y, k["name"])
        p.text(MINCHO, z.size, LEFT + 10.0 + name_w, y, k["hours"])
        y += z.lead
    return y


def notes(p, items, z, y):
    y += 0.8
    for n in items:
        y = p.marked_paragraph(MINCHO, z.small, LEFT, y, RIGHT - LEFT, z.small_lead, "※", n)
    return y


def letter_fixed_header(p, prof, as_of, title):
    """What is the same on every letter of the batch: fold marks, date,
    issuer, title, footer."""
    m = prof["municipality"]
    for y in (99.0, 198.0):
        p.line(4.0, y, 9.0, y, 0.4)
    p.text_right(MINCHO, 9.0, RIGHT, 25.0, rules.wareki(as_of))
    issuer = m["issuer"] + ("　" + m["mayor"] if m.get("mayor", "").strip() else "")
    p.text_right(MINCHO, 10.5, RIGHT, 31.0, issuer)
    if m.get("seal_omitted", True):
        p.text_right(MINCHO, 9.0, RIGHT, 36.0, "（公印省略）")
    p.text_center(GOTHIC, 15.0, 105.0, 108.0, title)
    p.line(LEFT, 283.0, RIGHT, 283.0, 0.5)
    contact = prof["letter"]["contact"]
    size = p.fit_size(GOTHIC, 9.5, 7.0, contact, RIGHT - LEFT)
    p.text_center(GOTHIC, size, 105.0, 289.0, contact)


TABLE_COLS = [LEFT, LEFT + 62.0, LEFT + 124.0, RIGHT]
ITEM_LABELS = ["マイナンバーカード", "利用者証明用電子証明書", "署名用電子証明書"]


def item_table_frame(p, l, size, y):
    row_h = leading(size, 2.0)
    width = RIGHT - LEFT
    p.rect(LEFT, y, width, row_h, "shade")
    for i, h in enumerate(l["table_heads"]):
        p.text_center(GOTHIC, size, (TABLE_COLS[i] + TABLE_COLS[i + 1]) / 2, y + row_h * 0.68, h)
    top = y
    y += row_h
    for label in ITEM_LABELS:
        p.text(MINCHO, size, TABLE_COLS[0] + 2.0, y + row_h * 0.68, label)
        y += row_h
    p.rect(LEFT, top, width, y - top, "stroke", 0.6)
    for x in TABLE_COLS[1:3]:
        p.line(x, top, x, y, 0.4)
    for i in range(1, 4):
        p.line(LEFT, top + row_h * i, RIGHT, top + row_h * i, 0.4)
    return y


def letter_body(p, l, kind, size):
    """The fixed body of a card or certificate letter; returns (end, the
    table's top)."""
    z = Sizes(size)
    y = p.paragraph(MINCHO, size, LEFT, 116.0, RIGHT - LEFT, z.lead, l["greeting"])
    y += 1.5
    table_top = y
    y = item_table_frame(p, l, size, y)
    y += z.lead + 1.0
    if kind == "card":
        y = section_heading(p, z.head, y, l["card_heading"])
        y = bullets(p, z, y, l["card_steps"])
    else:
        y = section_heading(p, z.head, y, l["certificate_heading"])
        y = bullets(p, z, y, l["certificate_steps"])
        y += 0.8
        y = section_heading(p, z.head, y, l["bring_heading"])
        y = bullets(p, z, y, l["bring"])
    y += 0.8
    if kind == "card":
        y = section_heading(p, z.head, y, l["card_proxy_heading"])
        paras = list(l["card_proxy"])
        if l.get("card_proxy_reasons"):
            paras.append(l["card_proxy_reasons_label"] + "、".join(l["card_proxy_reasons"]))
        paras += l.get("card_apply_at_counter", [])
        y = bullets(p, z, y, paras)
    else:
        y = section_heading(p, z.head, y, l["proxy_heading"])
        y = bullets(p, z, y, l["proxy"])
    for docs in (l["id_docs_a"], l["id_docs_b"]):
        y = p.paragraph(MINCHO, z.small, LEFT + 4.0, y, RIGHT - LEFT - 4.0, z.small_lead, docs)
    y += 0.8
    y = counters(p, l, z, y)
    y = notes(p, l["notes"], z, y)
    return y - z.lead, table_top


def fit_letter(l, kind):
    """The body size kigen's fit_page picks: from 9 pt down by 0.25 until the
    body ends above the footer."""
    size = 9.0
    while True:
        end, top = letter_body(Page(None), l, kind, size)
        if end <= BODY_BOTTOM or size <= 7.0:
            return size, top
        size -= 0.25


WIN = None  # the envelope window, from the profile


def address_block(p, n):
    """The address block in the window; returns the barcode's (x, top)."""
    x0 = WIN["left_mm"] + 2.0
    width = WIN["width_mm"] - 4.0
    y = WIN["top_mm"] + 2.0 + ASCENT * 10.0 / MM
    p.text(MINCHO, 10.0, x0, y, f"〒{n.postal[:3]}-{n.postal[3:]}")
    if n.nf:
        label = "転送不要"
        lw = p.width(GOTHIC, 9.0, label) + 3.0
        bx = x0 + width - lw
        p.text(GOTHIC, 9.0, bx + 1.5, y - 0.3, label)
        p.rect(bx, WIN["top_mm"] + 2.0 - 0.5, lw, 5.5, "stroke", 0.8)
    size = 10.5
    while True:
        lines = p.wrap(MINCHO, size, width, n.address)
        if len(lines) <= 2 or size <= 8.0:
            break
        size -= 0.5
    lead = leading(size, 1.35)
    y += lead + 0.5
    for line in lines[:2]:
        p.text(MINCHO, size, x0, y, line)
        y += lead
    if n.extra:
        s = p.fit_size(MINCHO, 10.0, 7.0, n.extra, width)
        p.text(MINCHO, s, x0 + max(0.0, min(4.0, width - p.width(MINCHO, s, n.extra))), y, n.extra)
        y += leading(s, 1.35)
    name = n.name + "　様"
    ns = p.fit_size(MINCHO, 14.0, 8.0, name, width)
    y += ASCENT * ns / MM * 0.4
    p.text(MINCHO, ns, x0 + max(0.0, min(2.0, width - p.width(MINCHO, ns, name))), y, name)
    bar_top = y + DESCENT * ns / MM + 2.0
    if n.rep and n.minor:
        rep = f"（法定代理人）{n.rep}　様"
        s = p.fit_size(MINCHO, 10.0, 7.0, rep, width)
        p.text(MINCHO, s, x0, bar_top + 3.6 + 2.0 + ASCENT * s / MM, rep)
    return x0, bar_top


BAR_GEOMETRY = {"F": (0.0, 3.6), "A": (0.0, 2.4), "D": (1.2, 2.4), "T": (1.2, 1.2)}


def draw_barcode(p, bars, x, top):
    c = p.c
    p.flush()
    path = c.beginPath()
    for i, b in enumerate(bars):
        off, h = BAR_GEOMETRY[b]
        path.rect((x + i * 1.2) * MM, PAGE_H - (top + off + h) * MM, 0.6 * MM, h * MM)
    c.drawPath(path, stroke=0, fill=1)


def item_cells(p, l, n, size, table_top):
    row_h = leading(size, 2.0)
    y = table_top + row_h
    for it in n.items:
        base = y + row_h * 0.68
        if it is None:
            expiry, mark = l["not_issued"], l["not_due_mark"]
        else:
            expiry = rules.wareki(it[1], True)
            due = it[0] in n.due and not it[2]
            mark = l["due_mark"] if due else l["not_due_mark"]
        p.text_center(MINCHO, size, (TABLE_COLS[1] + TABLE_COLS[2]) / 2, base, expiry)
        font = GOTHIC if mark == l["due_mark"] else MINCHO
        p.text_center(font, size, (TABLE_COLS[2] + TABLE_COLS[3]) / 2, base, mark)
        y += row_h


# --- the residence letter (kigen src/render/residence.rs) ------------------

def residence_body(p, prof, n, size):
    r, l = prof["letter"]["residence"], prof["letter"]
    z = Sizes(size)
    expiry = rules.wareki(n.items[0][1])
    fill = lambda s: s.replace("{expiry}", expiry)  # noqa: E731
    y = p.paragraph(MINCHO, size, LEFT, 116.0, RIGHT - LEFT, z.lead, fill(r["greeting"]))
    y += 1.5
    cols = [LEFT, LEFT + 87.0, RIGHT]
    row_h = leading(size, 2.0)
    p.rect(LEFT, y, RIGHT - LEFT, row_h, "shade")
    for i, h in enumerate(r["table_heads"]):
        p.text_center(GOTHIC, size, (cols[i] + cols[i + 1]) / 2, y + row_h * 0.68, h)
    top = y
    y += row_h
    rows = [it for it in n.items if it is not None and it[0] in n.due]
    for it in rows:
        base = y + row_h * 0.68
        p.text(MINCHO, size, cols[0] + 2.0, base, ITEM_LABELS[["card", "user_cert", "sign_cert"].index(it[0])])
        p.text_center(GOTHIC, size, (cols[1] + cols[2]) / 2, base, rules.wareki(it[1], True))
        y += row_h
    p.rect(LEFT, top, RIGHT - LEFT, y - top, "stroke", 0.6)
    p.line(cols[1], top, cols[1], y, 0.4)
    for i in range(1, len(rows) + 1):
        p.line(LEFT, top + row_h * i, RIGHT, top + row_h * i, 0.4)
    y += z.lead + 1.0
    y = section_heading(p, z.head, y, r["steps_heading"])
    y = bullets(p, z, y, [fill(s) for s in r["steps"]])
    y += 0.8
    y = section_heading(p, z.head, y, r["bring_heading"])
    y = bullets(p, z, y, r["bring"])
    y += 0.8
    y = counters(p, l, z, y)
    y = notes(p, [fill(s) for s in r["notes"]], z, y)
    return y - z.lead


# --- page 2 (kigen src/render/forms.rs) ------------------------------------

def labelled_row_frame(p, y, h, lw, label):
    p.rect(LEFT, y, lw, h, "shade")
    p.rect(LEFT, y, RIGHT - LEFT, h, "stroke", 0.6)
    p.line(LEFT + lw, y, LEFT + lw, y + h, 0.6)
    ls = p.fit_size(GOTHIC, 9.0, 6.5, label, lw - 3.0)
    p.text(GOTHIC, ls, LEFT + 1.5, y + h / 2 + 1.2, label)
    return y + h


def labelled_value(p, y, h, lw, value):
    """The value of a row whose frame is in the form: one line, shrunk to
    fit (kigen wraps a value too long at 8 pt and grows the row; the peer's
    rows are fixed, so it shrinks further instead)."""
    if value:
        width = RIGHT - LEFT - lw - 4.0
        s = p.fit_size(MINCHO, 11.0, 5.0, value, width)
        p.text(MINCHO, s, LEFT + lw + 2.0, y + h / 2 + 1.5, value)
    return y + h


def identity_rows(p, y, with_kana, n=None):
    """The rows' frames (n None) or their values."""
    rows = ([("フリガナ", 7.0, "kana")] if with_kana else []) + [
        ("氏名", 10.0, "name"), ("生年月日", 8.0, "birth"), ("住所", 10.0, "address")]
    for label, h, key in rows:
        if n is None:
            y = labelled_row_frame(p, y, h, 34.0, label)
        else:
            if key == "kana":
                v = n.kana
            elif key == "name":
                v = n.name
            elif key == "birth":
                v = rules.wareki(n.birth) if n.birth else n.birth_text
            else:
                pc = f"{n.postal[:3]}-{n.postal[3:]}"
                v = f"〒{pc}　{n.address}" + (f"　{n.extra}" if n.extra else "")
            y = labelled_value(p, y, h, 34.0, v)
    return y


def form_title(p, title):
    p.text_center(GOTHIC, 15.0, 105.0, 27.0, title)


def application_fixed(p, prof):
    a = prof["application"]
    form_title(p, a["title"])
    y = identity_rows(p, 36.0, True) + 8.0
    px, pw, ph = RIGHT - 35.0, 35.0, 45.0
    p.rect(px, y, pw, ph, "stroke", 0.8)
    ny = y + 8.0
    for line in p.wrap(MINCHO, 7.5, pw - 4.0, a["photo_note"]):
        p.text(MINCHO, 7.5, px + 2.0, ny, line)
        ny += leading(7.5, 1.4)
    p.text(MINCHO, 10.0, LEFT, y + 8.0, a["date_label"])
    p.text(MINCHO, 10.0, LEFT, y + 24.0, a["signature_label"])
    p.rect(LEFT, y + 27.0, px - LEFT - 8.0, 16.0, "stroke", 0.6)
    y += ph + 10.0
    lead = leading(9.5, 1.55)
    for s in a["instructions"]:
        y = p.marked_paragraph(MINCHO, 9.5, LEFT, y, RIGHT - LEFT, lead, "・", s)


def inquiry_fixed(p, prof, with_sign):
    """The 照会書兼回答書 without the resident; returns the identity rows' top."""
    q = prof["inquiry"]
    width = RIGHT - LEFT
    form_title(p, q["title"])
    p.text(MINCHO, 10.5, LEFT, 37.0, q["addressee"])
    lead = leading(9.5, 1.55)
    y = p.paragraph(MINCHO, 9.5, LEFT, 45.0, width, lead, q["inquiry"])
    rows_top = y - 2.0
    y = identity_rows(p, rows_top, False) + 7.0
    y = p.paragraph(MINCHO, 9.5, LEFT, y, width, lead, q["delegation"])
    y -= 2.0
    for label in q["proxy_labels"]:
        y = labelled_row_frame(p, y, 10.0, 34.0, label)
    y += 7.0
    p.text(GOTHIC, 9.5, LEFT, y, q["user_pin_label"])
    y += 2.5
    p.boxes(LEFT, y, 4, 9.0)
    y += 16.0
    p.text(GOTHIC, 9.5, LEFT, y, q["sign_pin_label"])
    y += 2.5
    if with_sign:
        p.boxes(LEFT, y, 16, 9.0)
    else:
        p.rect(LEFT, y, 16 * 9.0, 9.0, "shade")
        p.text(MINCHO, 9.0, LEFT + 3.0, y + 6.0, q["no_sign_cert"])
    y += 18.0
    p.text(MINCHO, 10.0, LEFT, y, q["date_label"])
    y += 11.0
    p.text(MINCHO, 10.0, LEFT + 70.0, y, q["signature_label"])
    p.line(LEFT + 70.0 + p.width(MINCHO, 10.0, q["signature_label"]) + 3.0, y + 1.0, RIGHT, y + 1.0, 0.6)
    y += 8.0
    lines = p.wrap(GOTHIC, 9.0, width - 6.0, q["seal_instruction"])
    box_h = len(lines) * leading(9.0, 1.5) + 3.0
    p.rect(LEFT, y, width, box_h, "stroke", 1.0)
    ly = y + 1.5 + ASCENT * 9.0 / MM
    for line in lines:
        p.text(GOTHIC, 9.0, LEFT + 3.0, ly, line)
        ly += leading(9.0, 1.5)
    strip = 262.0
    p.line(LEFT, strip - 3.0, RIGHT, strip - 3.0, 0.5, True)
    p.text(GOTHIC, 8.0, LEFT, strip + 1.0, q["office_use"])
    cells = q["office_use_cells"]
    cw = width / max(1, len(cells))
    for i, label in enumerate(cells):
        x = LEFT + i * cw
        p.rect(x, strip + 3.0, cw, 6.0, "shade")
        p.rect(x, strip + 3.0, cw, 22.0, "stroke", 0.5)
        p.text_center(GOTHIC, 8.0, x + cw / 2, strip + 7.3, label)
    return rows_top


# --- one print file -----------------------------------------------------------

class Fixed:
    """The fixed content of each page kind, as Form XObjects of one canvas
    (OPTS["forms"]) or as functions drawn again on every page."""

    def __init__(self, c, prof, as_of):
        self.c, self.prof, self.as_of = c, prof, as_of
        l = prof["letter"]
        self.letter = {}
        for kind in ("card", "certificate"):
            size, top = fit_letter(l, kind)
            self.letter[kind] = (size, top)
        self.inquiry_rows_top = inquiry_fixed(Page(None), prof, True)
        self.draw = {
            "letter-card": lambda p: self._letter(p, "card"),
            "letter-certificate": lambda p: self._letter(p, "certificate"),
            "letter-residence": lambda p: letter_fixed_header(
                p, prof, as_of, prof["letter"]["residence"]["title"]),
            "application": lambda p: application_fixed(p, prof),
            "inquiry-sign": lambda p: inquiry_fixed(p, prof, True),
            "inquiry-nosign": lambda p: inquiry_fixed(p, prof, False),
        }
        if OPTS["forms"]:
            for name, fn in self.draw.items():
                c.beginForm(name)
                p = Page(c)
                fn(p)
                p.flush()
                c.endForm()

    def _letter(self, p, kind):
        letter_fixed_header(p, self.prof, self.as_of, self.prof["letter"]["title"])
        letter_body(p, self.prof["letter"], kind, self.letter[kind][0])

    def place(self, p, name):
        if OPTS["forms"]:
            p.flush()
            self.c.doForm(name)
        else:
            self.draw[name](p)


def piece_mark(p, doc, i, n, mail):
    p.text(GOTHIC, 6.5, mail["piece_mark_x_mm"], mail["piece_mark_y_mm"], f"{doc} {i}/{n}")


def render_file(path, notices, first_seq, prof, as_of):
    """Writes one print file; returns [(seq, first_page, pages)]."""
    # invariant: no time stamp or random ID, byte-identical output (as kigen).
    c = rl_canvas.Canvas(path, pagesize=A4, pageCompression=OPTS["compress"], invariant=1,
                         initialFontName=MINCHO, initialFontSize=9)
    c.setTitle("有効期限通知書")
    c.setCreator("reportlab_peer (ReportLab %s)" % reportlab.Version)
    fixed = Fixed(c, prof, as_of)
    l = prof["letter"]
    mail = prof["mail"]
    template = l["document_number"].replace("{date}", as_of.strftime("%Y%m%d"))
    out = []
    page_no = 1
    for k, n in enumerate(notices):
        seq = first_seq + k
        doc = template.replace("{seq}", f"{seq:05d}")
        sheets = 1 if n.kind == "residence" else 2
        # page 1: the letter
        p = Page(c)
        if n.kind == "residence":
            fixed.place(p, "letter-residence")
            size = 9.5
            while residence_body(Page(None), prof, n, size) > BODY_BOTTOM and size > 7.0:
                size -= 0.25
            residence_body(p, prof, n, size)
        else:
            fixed.place(p, "letter-" + n.kind)
            size, top = fixed.letter[n.kind]
            item_cells(p, l, n, size, top)
        p.text_right(MINCHO, 9.0, RIGHT, 20.0, doc)
        piece_mark(p, doc, 1, sheets, mail)
        x, bar_top = address_block(p, n)
        if n.bars:
            draw_barcode(p, n.bars, x, bar_top)
        p.flush()
        c.showPage()
        # page 2: the enclosure
        if sheets == 2:
            p = Page(c)
            if n.kind == "card":
                fixed.place(p, "application")
                identity_rows(p, 36.0, True, n)
            else:
                has_sign = n.items[2] is not None
                fixed.place(p, "inquiry-sign" if has_sign else "inquiry-nosign")
                identity_rows(p, fixed.inquiry_rows_top, False, n)
            p.text_right(MINCHO, 9.0, RIGHT, 16.0, f"通知番号 {doc}")
            piece_mark(p, doc, 2, sheets, mail)
            p.flush()
            c.showPage()
        out.append((seq, page_no, sheets))
        page_no += sheets
    c.save()
    os.chmod(path, 0o600)
    return out


FONTS_DONE = False


def register_fonts(fonts_dir):
    global FONTS_DONE
    if not FONTS_DONE:
        pdfmetrics.registerFont(TTFont(MINCHO, os.path.join(fonts_dir, "ipaexm.ttf")))
        pdfmetrics.registerFont(TTFont(GOTHIC, os.path.join(fonts_dir, "ipaexg.ttf")))
        FONTS_DONE = True


# The worker's input, inherited through fork (never pickled).
JOB = {}


def worker(i):
    j = JOB
    lo, hi = j["parts"][i]
    path = os.path.join(j["print_dir"], f"notices-{i + 1:04d}.pdf")
    register_fonts(j["fonts"])
    render_file(path, j["notices"][lo:hi], lo + 1, j["prof"], j["as_of"])
    return i


def write_manifest(path, notices, parts, as_of, doc_template):
    import csv
    template = doc_template.replace("{date}", as_of.strftime("%Y%m%d"))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["seq", "file", "first_page", "pages", "resident_code", "name", "postal_code",
                    "kind", "card_expiry", "user_cert_expiry", "sign_cert_expiry",
                    "non_forwardable", "barcode", "document_number"])
        for fi, (lo, hi) in enumerate(parts):
            page = 1
            for k in range(lo, hi):
                n = notices[k]
                sheets = 1 if n.kind == "residence" else 2
                e = [it[1].isoformat() if it else "" for it in n.items]
                w.writerow([k + 1, f"print/notices-{fi + 1:04d}.pdf", page, sheets, n.code, n.name,
                            n.postal, n.kind, e[0], e[1], e[2], int(n.nf), n.barcode,
                            template.replace("{seq}", f"{k + 1:05d}")])
                page += sheets
    os.chmod(path, 0o600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--profile", default=os.path.join(ROOT, "templates", "saku", "profile.toml"))
    ap.add_argument("--fonts", default=os.path.join(ROOT, "fonts"))
    ap.add_argument("--jobs", type=int, default=2, help="print files = worker processes")
    ap.add_argument("--compress", type=int, default=1, choices=(0, 1),
                    help="pageCompression (1: Flate, as kigen)")
    ap.add_argument("--no-forms", action="store_true", help="variant: redraw the fixed content on every page")
    ap.add_argument("--drawstring", action="store_true", help="variant: drawString per text, no text object")
    ap.add_argument("--a85", action="store_true", help="variant: ReportLab's default ASCII85 stream encoding")
    ap.add_argument("--no-accel", action="store_true", help="variant: without rl_accel's C functions")
    ap.add_argument("--times", action="store_true", help="print the phases' seconds on stderr")
    a = ap.parse_args()
    OPTS.update(forms=not a.no_forms, textobject=not a.drawstring, compress=a.compress)
    # ASCII85 makes compressed streams 25 % bigger and costs an encoding pass.
    rl_config.useA85 = 1 if a.a85 else 0
    t0 = time.perf_counter()
    as_of = dt.date.fromisoformat(a.as_of)
    with open(a.profile, "rb") as f:
        prof = tomllib.load(f)
    global WIN
    WIN = prof["window"]
    notices, rows = rules.read_registry(
        a.input, as_of, prof.get("input", {}).get("encoding", "cp932"), a.jobs)
    # The mail room's order: postal code, then address.
    notices.sort(key=lambda n: (n.postal, n.address, n.extra, n.code))
    for n in notices:
        n_text, n_bars = rules.barcode(n.postal, n.address, n.extra)
        n.barcode, n.bars = n_text, n_bars
    t1 = time.perf_counter()
    jobs = max(1, min(a.jobs, len(notices) or 1))
    # Split by pages, so the two processes get the same work.
    weights = [1 if n.kind == "residence" else 2 for n in notices]
    total = sum(weights)
    parts, lo, acc = [], 0, 0
    for i in range(jobs):
        target = total * (i + 1) / jobs
        hi = lo
        while hi < len(notices) and acc + weights[hi] <= target + 0.5:
            acc += weights[hi]
            hi += 1
        if i == jobs - 1:
            hi = len(notices)
        parts.append((lo, hi))
        lo = hi
    day = os.path.join(a.out, as_of.isoformat())
    print_dir = os.path.join(day, "print")
    os.makedirs(print_dir, exist_ok=True)
    JOB.update(notices=notices, parts=parts, print_dir=print_dir, prof=prof, as_of=as_of,
               fonts=a.fonts)
    if jobs == 1:
        worker(0)
        write_manifest(os.path.join(day, "manifest.csv"), notices, parts, as_of,
                       prof["letter"]["document_number"])
    else:
        ctx = mp.get_context("fork")
        procs = [ctx.Process(target=worker, args=(i,)) for i in range(jobs)]
        for pr in procs:
            pr.start()
        # The manifest is written while the workers render.
        write_manifest(os.path.join(day, "manifest.csv"), notices, parts, as_of,
                       prof["letter"]["document_number"])
        for pr in procs:
            pr.join()
            if pr.exitcode != 0:
                sys.exit(f"reportlab_peer: a worker failed (exit {pr.exitcode})")
    t2 = time.perf_counter()
    if a.times:
        print(f"rows {rows}, packets {len(notices)}, read+select {t1 - t0:.2f} s, "
              f"render {t2 - t1:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
