"""Turns bench/run.sh's raw measurements into the results table (Markdown).

    python3 bench/summarize.py RAW.tsv [HEADER.txt]

RAW.tsv lines: row, tool, round, value (CPU seconds; for "rate" rows a rate),
wall seconds, max RSS KiB, the server's CPU seconds meanwhile. For each row and each cloudsync variant ("cloudsync"
or "cloudsync:VARIANT") the ratio cloudsync / other tool is taken per round,
and the median of those per-round ratios is reported, next to the median
absolute values. Lower is better for CPU, wall and RSS; for rates (sigv4)
higher is better and the ratio is cloudsync's rate over the other's.
"""
import statistics
import sys
from collections import defaultdict

ROWS = {
    "put": "PUT one 1 GiB file to nulls3 (8 MiB parts, 4 in flight)",
    "get": "GET one 1 GiB object from nulls3 to tmpfs",
    "sync-up": "sync 1000 x 4 KiB files up to s3rver (tmpfs), new prefix",
    "sync-noop": "the same sync again: nothing to transfer",
    "sync-down": "sync the 1000 files down to a new local folder (tmpfs)",
    "sync-up-null": "sync 1000 x 4 KiB files up to nulls3 (stores nothing): the clients' own cost",
    "sigv4": "SigV4 signatures per second, one thread (higher is better)",
    "az-put": "Azurite: PUT one 256 MiB file (8 MiB blocks, 4 in flight)",
    "az-get": "Azurite: GET the 256 MiB blob to tmpfs",
    "az-sync-up": "Azurite: sync 1000 x 4 KiB files up, new prefix",
}
VARIANTS = {
    "cloudsync": "defaults except checksum=crc32c (what it sends to AWS and MinIO); UNSIGNED-PAYLOAD, "
                 "whole-file CRC32C for x-amz-meta-cloudsync-crc32c; GET: verified against the listed MD5 ETag",
    "cloudsync:md5": "provider defaults for a non-AWS endpoint: Content-MD5 on every part, plus the whole-file CRC32C",
    "cloudsync:signed": "checksum=crc32c and sign_payload=true: the aws CLI's work (CRC32 + SHA-256 payload "
                        "signature on every part over http)",
    "cloudsync:own": "GET of the object as cloudsync writes it (multipart ETag, x-amz-meta-cloudsync-crc32c): "
                     "verified against that CRC32C",
    "cloudsync:nocheck": "--ignore-checksum: no whole-file hash, neither computed for the upload (parts keep "
                         "their CRC32C) nor verified after a download",
    "cloudsync:cond": "conditional_writes=true: If-None-Match: * on each new file's PUT (cloudsync's default for "
                      "AWS, MinIO and R2; s3rver ignores the header)",
    "rclone": "for sync-up, --s3-no-head: no HEAD after each PUT",
    "rclone:head": "rclone's default: a HEAD after each PUT",
    "rclone:nocheck": "--ignore-checksum: the download's MD5 is not verified",
}
# The wan scenario: nulls3 behind a network model (bench/run.sh WAN_LATENCY_MS, WAN_MBPS), every tool at its defaults.
ROWS.update({
    "wan-sync-up": "WAN (20 ms, 100 MB/s a connection): sync 1000 x 4 KiB files up to nulls3, new prefix",
    "wan-sync-down": "WAN: sync nulls3's small/ (1000 x 4 KiB) down to a new local folder (tmpfs)",
    "wan-get": "WAN: GET one 1 GiB object (single-part MD5 ETag) to tmpfs",
    "wan-put": "WAN: PUT one 1 GiB file",
})
VARIANTS.update({
    "rclone:t8": "wan rows: --transfers 8 --checkers 8 (sync), --multi-thread-streams 8 (GET)",
})
# Issue 16's aims under the network model: wall time against rclone at its defaults (and the memory win kept).
WAN_WALL_TARGETS = {"wan-sync-up": 1 / 4, "wan-sync-down": 1 / 4, "wan-get": 1 / 2}
WAN_RSS_ROWS = ("wan-get", "wan-put")
RATE_ROWS = {"sigv4"}


def fmt(x, digits=2):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def ratio_text(r, rate):
    if r is None:
        return "-"
    if rate:
        return f"{r:.1f}x"
    return f"{r:.2f} (1/{1 / r:.1f})" if r > 0 else "0"


def main():
    raw = sys.argv[1]
    header = open(sys.argv[2]).read().strip() if len(sys.argv) > 2 else ""
    data = defaultdict(lambda: defaultdict(dict))  # row -> tool -> round -> (value, wall, rss)
    order = []
    for line in open(raw):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 6:
            continue
        row, tool, rnd, value, wall, rss = parts[:6]
        server = parts[6] if len(parts) > 6 else ""
        if row not in order:
            order.append(row)
        num = lambda s: float(s) if s else None
        data[row][tool][int(rnd)] = (num(value), num(wall), num(rss) / 1024 if rss else None, num(server))

    out = []
    if header:
        out += [line.lstrip("# ") for line in header.splitlines()]
        out.append("")
    targets = []
    for row in order:
        tools = data[row]
        rate = row in RATE_ROWS
        ours = [t for t in tools if t.startswith("cloudsync")]
        others = [t for t in tools if not t.startswith("cloudsync")]
        rounds = sorted({r for t in tools for r in tools[t]})
        out.append(f"### {row}: {ROWS.get(row, row)}")
        out.append("")
        if rate:
            out.append("| tool | signatures/s (median) |")
            out.append("|---|---|")
            for t in tools:
                out.append(f"| {t} | {fmt(statistics.median(v[0] for v in tools[t].values()))} |")
        else:
            out.append("| tool | CPU s (user+sys) | wall s | peak RSS MiB | server CPU s | server busy |")
            out.append("|---|---|---|---|---|---|")
            for t in tools:
                vals = list(tools[t].values())
                med = lambda i: statistics.median(v[i] for v in vals) if vals and vals[0][i] is not None else None
                busy = statistics.median(v[3] / v[1] for v in vals) if vals and vals[0][3] is not None and \
                    all(v[1] for v in vals) else None
                # A one-thread server (s3rver, Azurite: node) busy most of the wall time is the limit.
                note = f"{busy:.0%}" + (" server-bound" if busy is not None and busy >= 0.8 else "") \
                    if busy is not None else "-"
                out.append(f"| {t} | {fmt(med(0))} | {fmt(med(1))} | {fmt(med(2), 1)} | {fmt(med(3))} | {note} |")
        out.append("")
        if others and ours:
            metrics = [("rate", 0)] if rate else [("CPU", 0), ("wall", 1), ("RSS", 2)]
            out.append("| cloudsync / tool (median of per-round ratios) | " + " | ".join(others) + " |")
            out.append("|---|" + "---|" * len(others))
            for t in ours:
                for name, i in metrics:
                    cells = []
                    for o in others:
                        rs = [tools[t][r][i] / tools[o][r][i] for r in rounds
                              if r in tools[t] and r in tools[o] and tools[o][r][i]]
                        med = statistics.median(rs) if rs else None
                        cells.append(ratio_text(med, rate))
                        targets.append((row, t, o, name, med))
                    out.append(f"| {t} {name} | " + " | ".join(cells) + " |")
            out.append("")

    def ratio(row, tool, other, metric):
        for r, t, o, m, v in targets:
            if (r, t, o, m) == (row, tool, other, metric):
                return v
        return None

    def peak(row, tool):
        vals = data.get(row, {}).get(tool, {})
        return statistics.median(v[2] for v in vals.values()) if vals else None

    out.append("### Targets")
    out.append("")
    out.append("| target | measured | met |")
    out.append("|---|---|---|")
    checks = []
    for row in ("put", "get"):
        for tool in [t for t in data.get(row, {}) if t.startswith("cloudsync")]:
            checks.append((f"{row} CPU <= 1/2 aws ({tool})", ratio(row, tool, "aws", "CPU"), 0.5))
            checks.append((f"{row} CPU <= 1/6 rclone ({tool})", ratio(row, tool, "rclone", "CPU"), 1 / 6))
    for row in ("sync-up", "sync-down", "sync-noop", "sync-up-null"):
        for tool in [t for t in data.get(row, {}) if t.startswith("cloudsync")]:
            checks.append((f"{row} wall <= 1/2 rclone ({tool})", ratio(row, tool, "rclone", "wall"), 0.5))
    for row, limit in WAN_WALL_TARGETS.items():
        for tool in [t for t in data.get(row, {}) if t.startswith("cloudsync")]:
            checks.append((f"{row} wall <= 1/{1 / limit:.0f} rclone ({tool})", ratio(row, tool, "rclone", "wall"), limit))
    for row in ("put", "get") + WAN_RSS_ROWS:
        if "cloudsync" in data.get(row, {}):
            p = peak(row, "cloudsync")
            if p is not None:
                out.append(f"| {row} peak RSS <= 32 MiB (cloudsync) | {p:.1f} MiB | {'yes' if p <= 32 else 'NO'} |")
    for name, value, limit in checks:
        if value is not None:
            out.append(f"| {name} | {value:.3f} (limit {limit:.3f}) | {'yes' if value <= limit else 'NO'} |")
    out.append("")
    out.append("Variants:")
    for t, text in VARIANTS.items():
        if any(t in data[r] for r in data):
            out.append(f"- `{t}`: {text}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
