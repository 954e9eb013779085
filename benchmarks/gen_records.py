"""Synthetic article records shaped like the seed record, for benchmarks.

`generate(folder, n, seed=0)` writes n record files over ~20 subfolders: the seed's
fields, related items, images, topics from a small vocabulary, varied providers,
quality and heat 0..100, dates over the 60 days before `REFERENCE_NOW`, a `secured`
blob, unique ids, URLs and titles. About 15% of titles/excerpts carry mojibake
(`â€™`, `â€œ`, some with the C1 control a mis-decoded `”` leaves) and about 10% HTML
entities or tags. `record_fields` gives the same data, clean, as a dict (for building
articles in memory without files). Deterministic for a given seed.

    python benchmarks/gen_records.py /tmp/corpus 20000
"""

from __future__ import annotations

import argparse
import base64
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REFERENCE_NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
SPREAD = timedelta(days=60)
FOLDERS = 20
MOJIBAKE_RATE = 0.15
HTML_RATE = 0.10
UNICODE_RATE = 0.10  # correct curly quotes: non-ASCII text that needs no repair

TOPICS = (
    ("AI", 30),
    ("AI Hardware", 12),
    ("Cloud", 14),
    ("Security", 12),
    ("HPC", 8),
    ("Semiconductors", 8),
    ("Open Source", 6),
    ("Data Centers", 5),
    ("Networking", 4),
    ("Robotics", 3),
    ("Space", 2),
    ("Quantum", 1),
)
PROVIDERS = (
    ("The Next Platform", "nextplatform.com"),
    ("UPI.com", "upi.com"),
    ("The Register", "theregister.com"),
    ("Ars Technica", "arstechnica.com"),
    ("Tom's Hardware", "tomshardware.com"),
    ("AnandTech", "anandtech.com"),
    ("HPCwire", "hpcwire.com"),
    ("IEEE Spectrum", "spectrum.ieee.org"),
    ("ZDNet", "zdnet.com"),
    ("VentureBeat", "venturebeat.com"),
    ("The Verge", "theverge.com"),
    ("Wired", "wired.com"),
    ("TechCrunch", "techcrunch.com"),
    ("InfoWorld", "infoworld.com"),
    ("SiliconANGLE", "siliconangle.com"),
    ("EE Times", "eetimes.com"),
    ("Heise Online", "heise.de"),
    ("Le Monde Informatique", "lemondeinformatique.fr"),
    ("Nikkei Asia", "asia.nikkei.com"),
    ("DatacenterDynamics", "datacenterdynamics.com"),
    ("ServeTheHome", "servethehome.com"),
    ("Phys.org", "phys.org"),
    ("MIT Technology Review", "technologyreview.com"),
    ("Protocol", "protocol.com"),
    ("The New Stack", "thenewstack.io"),
)
# Zipf-like: a few big publishers write most items (makes per-provider caps bite).
PROVIDER_WEIGHTS = tuple(1.0 / (rank + 1) for rank in range(len(PROVIDERS)))
SUBJECTS = (
    "China", "Nvidia", "Intel", "AMD", "Google", "Microsoft", "Amazon", "Meta", "IBM",
    "Europe", "Japan", "TSMC", "Samsung", "Arm", "OpenAI", "Cerebras", "the DOE", "Oracle",
    "HPE", "Dell", "Apple", "Qualcomm", "Broadcom", "Alibaba", "Fujitsu",
)  # fmt: skip
VERBS = (
    "Tests", "Unveils", "Ships", "Doubles Down on", "Rethinks", "Bets Big on", "Scales Up",
    "Opens Up", "Benchmarks", "Delays", "Rebuilds", "Cuts Prices of", "Expands",
    "Targets", "Previews", "Launches", "Retires", "Open-Sources",
)  # fmt: skip
OBJECTS = (
    "Exascale Prototype Supercomputer", "AI Workloads", "Inference Accelerator",
    "Training Cluster", "Chiplet Design", "Optical Interconnect", "Liquid Cooling",
    "Edge AI Platform", "Quantum Processor", "Memory Roadmap", "HBM Supply",
    "Open Model Weights", "Data Center Campus", "Security Toolkit", "RISC-V Cores",
    "Photonic Chips", "Sovereign Cloud", "Storage Fabric", "Compiler Stack",
    "Robotics Lab", "Satellite Network", "GPU Instances", "Custom Silicon",
)  # fmt: skip
QUALIFIERS = (
    "", "for HPC", "at Scale", "Amid Shortages", "in Europe", "for Enterprises",
    "Ahead of Schedule", "After Delays", "With New Partners", "for Scientists",
)  # fmt: skip
SENTENCES = (
    "We are starting to see more large supercomputing sites benchmark deep learning",
    "The company says the new design cuts power per operation by a third",
    "Analysts expect the first systems to ship to cloud providers next year",
    "Researchers combined photonic components with superconducting electronics",
    "The move puts pressure on rivals that still rely on older process nodes",
    "Early customers report gains on training and inference workloads alike",
    "Pricing was not disclosed, but volume deliveries start in the spring",
    "The project is open source and accepts outside contributions",
)  # fmt: skip

# Each byte of UTF-8 read as Windows-1252, undefined bytes as the C1 control they name:
# exactly how mis-decoded text looks (`’` -> `â€™`, `”` -> `â€` + U+009D).
_CP1252 = [bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256)]
_SLUG = re.compile(r"[^a-z0-9]+")


def generate(folder: str | Path, n: int, seed: int = 0) -> list[Path]:
    """Write n records under `folder` (over ~20 subfolders); return their paths."""
    root = Path(folder)
    subfolders = [root / f"batch-{k:02d}" for k in range(FOLDERS)]
    for sub in subfolders:
        sub.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        fields = corrupt(record_fields(rng, i), rng)
        name = f"{i:06d}_{rng.getrandbits(64):016x}"
        suffix = ".md" if "body" in fields else ".txt"
        path = subfolders[rng.randrange(FOLDERS)] / f"{name}{suffix}"
        path.write_text(render(fields), encoding="utf-8")
        paths.append(path)
    return paths


# --- clean fields ----------------------------------------------------------------------


def record_fields(rng: random.Random, i: int) -> dict[str, Any]:
    """One record's fields, clean (no mojibake or HTML), unique in title and URL by `i`."""
    name, domain = _provider(rng)
    title = _title(rng, i)
    when = REFERENCE_NOW - SPREAD * rng.random()
    urls = _urls(domain, when, title, i)
    fields: dict[str, Any] = {
        "category": rng.choice(("news", "news", "news", "analysis", "opinion")),
        "title": title,
        "excerpt": _excerpt(rng),
        "publishedDateTime": when.replace(microsecond=0),
        **urls,
        "type": "article",
        "quality": rng.randint(0, 100),
        "heat": rng.randint(0, 100),
        "published": rng.random() < 0.05,
        "provider": {"name": name, "domain": domain},
        "topics": _topics(rng),
        "images": [_image(rng, domain, i)] if rng.random() < 0.9 else [],
        "related": [_related(rng, i, k) for k in range(rng.choice((0, 1, 1, 2, 3)))],
        "secured": _secured(rng),
    }
    if rng.random() < 0.1:
        fields["body"] = f"Editor's note: {rng.choice(SENTENCES)}.\n\nWorth a read for the team."
    return fields


def _provider(rng: random.Random) -> tuple[str, str]:
    return rng.choices(PROVIDERS, weights=PROVIDER_WEIGHTS)[0]


def _title(rng: random.Random, i: int) -> str:
    subject = rng.choice(SUBJECTS)
    if rng.random() < 0.3:
        subject += "'s"
    words = [subject, rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)]
    # The issue number keeps titles unique (and so their dedupe keys) at any n.
    return f"{' '.join(w for w in words if w)}, Issue {i + 1}"


def _excerpt(rng: random.Random) -> str:
    return ". ".join(rng.sample(SENTENCES, rng.choice((1, 2, 2, 3)))) + "."


def _urls(domain: str, when: datetime, title: str, i: int) -> dict[str, str]:
    slug = _SLUG.sub("-", title.lower()).strip("-")
    page = f"www.{domain}/{when:%Y/%m/%d}/{slug}-{i:x}/"
    cdn = page.replace(".", "-").split("/", 1)[0]
    return {
        "originalUrl": f"https://{page}",
        "webUrl": f"https://{page}",
        "ampWebUrl": f"https://{page}amp/",
        "cdnAmpWebUrl": f"https://{cdn}.cdn.ampproject.org/c/s/{page}amp/",
    }


def _topics(rng: random.Random) -> list[str]:
    names, weights = zip(*TOPICS, strict=True)
    return list(dict.fromkeys(rng.choices(names, weights=weights, k=rng.choice((1, 2, 2, 3)))))


def _image(rng: random.Random, domain: str, i: int) -> dict[str, Any]:
    url = f"https://cdn.{domain}/wp-content/uploads/2024/{rng.randint(1, 12):02d}/img{i}.jpg"
    return {"url": url, "width": rng.choice((800, 1200, 1300)), "height": 500, "isCached": True}


def _related(rng: random.Random, i: int, k: int) -> dict[str, Any]:
    name, domain = _provider(rng)
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, Note {i}.{k}"
    when = REFERENCE_NOW - SPREAD * rng.random()
    urls = _urls(domain, when, title, i * 4 + k)
    return {
        "title": title,
        "excerpt": _excerpt(rng),
        "publishedDateTime": when.replace(microsecond=0),
        "webUrl": urls["webUrl"],
        "ampWebUrl": urls["ampWebUrl"],
        "cdnAmpWebUrl": urls["cdnAmpWebUrl"],
        "type": "article",
        "provider": {"name": name, "domain": domain},
        "quality": rng.randint(0, 100),
        "images": [_image(rng, domain, i * 4 + k)],
    }


def _secured(rng: random.Random) -> str:
    blob = base64.b64encode(rng.randbytes(rng.randint(360, 480))).decode("ascii")
    return f"{blob};{base64.b64encode(rng.randbytes(16)).decode('ascii')}"


# --- damage ----------------------------------------------------------------------------


def corrupt(fields: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Damage the title/excerpt of the record and of its related items, at the set rates."""
    for item in (fields, *fields["related"]):
        for key in ("title", "excerpt"):
            item[key] = _damage(item[key], rng)
    return fields


def _damage(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < MOJIBAKE_RATE:
        return mojibake(_curly(text, rng))
    if roll < MOJIBAKE_RATE + HTML_RATE:
        return _html(text, rng)
    if roll < MOJIBAKE_RATE + HTML_RATE + UNICODE_RATE:
        return _curly(text, rng)
    return text


def mojibake(text: str) -> str:
    """`text` as it reads when its UTF-8 bytes are decoded as Windows-1252."""
    return "".join(_CP1252[b] for b in text.encode("utf-8"))


def _curly(text: str, rng: random.Random) -> str:
    """Typographic punctuation: `’` always, some “quotes”, some accented letters."""
    text = text.replace("'", "’")
    kind = rng.random()
    if kind < 0.10:
        head, _, tail = text.partition(" ")
        return f"“{head}” {tail}"  # the closing quote turns into a C1 control when mangled
    if kind < 0.30:
        return text.replace(" the ", " the café ").replace(" of ", " of the Zürich ") + " – résumé"
    return text if "’" in text else f"{text} – it’s official"


def _html(text: str, rng: random.Random) -> str:
    head, _, tail = text.partition(" ")
    return rng.choice(
        (
            f"{head} &amp; Partners {tail}",
            f"<b>{head}</b> {tail}",
            f"<p>{text} &#8212; <em>updated</em></p>",
            f"&quot;{head}&quot; {tail}",
            f"{head}&#8217;s {tail}&nbsp;",
        )
    )


# --- rendering -------------------------------------------------------------------------


def render(fields: dict[str, Any]) -> str:
    """The record file's text, laid out like the seed (YAML front matter, optional body)."""
    lines = ["---"]
    for key in ("category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl"):
        lines.append(_scalar_line(key, fields[key]))
    for key in ("ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published"):
        lines.append(_scalar_line(key, fields[key]))
    lines += ["", "provider:", *_provider_lines(fields["provider"], "  "), "", "topics:"]
    lines += [f"  - {topic}" for topic in fields["topics"]]
    lines += ["", *_block("images", _image_lines(fields["images"], "  "))]
    lines += ["", *_block("related", [ln for r in fields["related"] for ln in _related_lines(r)])]
    lines += ["", _scalar_line("secured", fields["secured"]), "---", fields.get("body", "")]
    return "\n".join(lines)


def _block(key: str, lines: list[str]) -> list[str]:
    return [f"{key}:", *lines] if lines else [f"{key}: []"]


def _scalar_line(key: str, value: Any, indent: str = "") -> str:
    return f"{indent}{key}: {_yaml_value(value)}"


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _provider_lines(provider: dict[str, str], indent: str) -> list[str]:
    return [f"{indent}name: {provider['name']}", f"{indent}domain: {provider['domain']}"]


def _image_lines(images: list[dict[str, Any]], indent: str) -> list[str]:
    lines = []
    for image in images:
        lines.append(_scalar_line("- url", image["url"], indent))
        lines += [_scalar_line(k, image[k], indent + "  ") for k in ("width", "height")]
        lines.append(_scalar_line("isCached", image["isCached"], indent + "  "))
    return lines


def _related_lines(related: dict[str, Any]) -> list[str]:
    lines = [_scalar_line("- title", related["title"], "  ")]
    for key in ("excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type"):
        lines.append(_scalar_line(key, related[key], "    "))
    lines += ["    provider:", *_provider_lines(related["provider"], "      ")]
    lines += [_scalar_line("quality", related["quality"], "    "), "    images:"]
    return lines + _image_lines(related["images"], "      ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = generate(args.folder, args.n, args.seed)
    print(f"wrote {len(paths)} records under {args.folder}")


if __name__ == "__main__":
    main()
