#!/usr/bin/env python3
"""Write one configuration file per file kind poollint reads, each of about --bytes
bytes (default 10,000,000: just under `--max-file-size`'s 10 MiB), each in a directory
of its own, for `benches/run` to measure the peak memory of a check of the largest file
a run accepts.

Every file is dense: a short key (and value) a line, the most entries a megabyte can
hold, which is what costs memory (a file of comments costs its text and little more).
Each also sets a pool, so the reader does its whole work. Deterministic: no randomness.
"""

import argparse
import os


def kubernetes(i):
    return (
        f"{'---' if i else ''}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w{i}\n"
        "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n"
        "        env:\n        - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n"
        '          value: "10"\n'
    )


# Each file: its path, what it starts with (a pool, and the section or key the lines
# after it go in), each line (or lines) after that for i = 1, 2, ..., and what it ends
# with (JSON closes its object).
KINDS = [
    (
        "spring-yaml/src/main/resources/application.yml",
        "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\napp:\n",
        lambda i: f"  key{i}:\n    sub: value{i}\n    list: [a, b, {i}]\n",
        "",
    ),
    (
        "spring-properties/src/main/resources/application.properties",
        "spring.datasource.hikari.maximum-pool-size=5\n",
        lambda i: f"app.key{i}.sub=value{i}\napp.key{i}.other=some longer value {i}\n",
        "",
    ),
    (
        "rails/config/database.yml",
        "production:\n  adapter: postgresql\n  pool: 5\n",
        lambda i: f"  key{i}: value{i}\n",
        "",
    ),
    (
        "compose/compose.yml",
        "services:\n",
        lambda i: (
            f"  svc{i}:\n    image: app:{i}\n    environment:\n"
            f'      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: "10"\n      OTHER_{i}: "x"\n'
        ),
        "",
    ),
    (
        "pgbouncer/pgbouncer.ini",
        "[pgbouncer]\npool_mode = transaction\n[databases]\n",
        lambda i: f"db{i} = host=h{i} dbname=d{i} pool_size=5\n",
        "",
    ),
    (
        "postgres/postgresql.conf",
        "max_connections = 100\n",
        lambda i: f"#comment line {i} about a setting that is not set\ncustom.opt{i} = {i}\n",
        "",
    ),
    (
        "mysql/my.cnf",
        "[mysqld]\nmax_connections = 100\n",
        lambda i: f"custom_opt_{i} = {i}\n",
        "",
    ),
    (
        "dotenv/.env",
        "DATABASE_URL=postgres://db/app?connection_limit=5\n",
        lambda i: f"VAR_{i}=value{i}\n",
        "",
    ),
    ("kubernetes/deploy.yaml", kubernetes(0), kubernetes, ""),
    (
        "node/knexfile.json",
        '{"production": {"client": "pg", "pool": {"min": 2, "max": 10}}, "other": {',
        lambda i: f'"k{i}": "v{i}", ',
        '"end": 1}}\n',
    ),
    (
        "dotnet/appsettings.json",
        '{"ConnectionStrings": {"Main": "Host=db;Maximum Pool Size=10"}, "Other": {',
        lambda i: f'"k{i}": "v{i}", ',
        '"end": 1}}\n',
    ),
]


def write(path, first, part, last, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    parts, written, i = [first], len(first), 1
    while written + len(last) < size:
        text = part(i)
        parts.append(text)
        written += len(text)
        i += 1
    parts.append(last)
    with open(path, "w") as f:
        f.write("".join(parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--bytes", type=int, default=10_000_000)
    args = parser.parse_args()
    for name, first, part, last in KINDS:
        write(os.path.join(args.out, name), first, part, last, args.bytes)

if __name__ == "__main__":
    main()
