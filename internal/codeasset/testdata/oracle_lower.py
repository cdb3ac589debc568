"""Oracle for internal/codeasset's pythonLower: what str.lower() does to every code point.

argv[1]: where to write {"unicode": unicodedata.unidata_version,
  "lower": {code point: c.lower()} where it changes c,
  "casedNotIgnorable": [code points], "casedOrIgnorable": [code points] (as the Final_Sigma
  rule sees them: probed with "AΣc" and "AcΣ"),
  "unassigned": [[first, last], ...] ranges of category Cn}
"""
import json
import sys
import unicodedata

lower, cased_not_ign, cased_or_ign, unassigned = {}, [], [], []
for c in range(0x110000):
    if 0xD800 <= c <= 0xDFFF:
        continue
    ch = chr(c)
    if ch.lower() != ch:
        lower[c] = ch.lower()
    if ("A\u03a3" + ch).lower()[1] == "\u03c3":  # a cased, not ignorable, c follows: not final
        cased_not_ign.append(c)
    if ("A" + ch + "\u03a3").lower()[-1] == "\u03c2":  # c is skipped or cased: final
        cased_or_ign.append(c)
    if unicodedata.category(ch) == "Cn":
        if unassigned and unassigned[-1][1] == c - 1:
            unassigned[-1][1] = c
        else:
            unassigned.append([c, c])
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump({"unicode": unicodedata.unidata_version, "lower": lower, "casedNotIgnorable": cased_not_ign,
               "casedOrIgnorable": cased_or_ign, "unassigned": unassigned}, f)
