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


def spring_yaml(i):
    if i == 0:
        return "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 5\napp:\n"
    return f"  key{i}:\n    sub: value{i}\n    list: [a, b, {i}]\n"


def spring_properties(i):
    if i == 0:
        return "spring.datasource.hikari.maximum-pool-size=5\n"
    return f"app.key{i}.sub=value{i}\napp.key{i}.other=some longer value {i}\n"


def rails(i):
    if i == 0:
        return "production:\n  adapter: postgresql\n  pool: 5\n"
    return f"  key{i}: value{i}\n"


def compose(i):
    if i == 0:
        return "services:\n"
    return (
        f"  svc{i}:\n    image: app:{i}\n    environment:\n"
        f'      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: "10"\n      OTHER_{i}: "x"\n'
    )


def pgbouncer(i):
    if i == 0:
        return "[pgbouncer]\npool_mode = transaction\n[databases]\n"
    return f"db{i} = host=h{i} dbname=d{i} pool_size=5\n"


def postgres(i):
    if i == 0:
        return "max_connections = 100\n"
    return f"#comment line {i} about a setting that is not set\ncustom.opt{i} = {i}\n"


def mysql(i):
    if i == 0:
        return "[mysqld]\nmax_connections = 100\n"
    return f"custom_opt_{i} = {i}\n"


def dotenv(i):
    if i == 0:
        return "DATABASE_URL=postgres://db/app?connection_limit=5\n"
    return f"VAR_{i}=value{i}\n"


def kubernetes(i):
    return (
        f"{'---' if i else ''}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w{i}\n"
        "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n"
        "        env:\n        - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n"
        '          value: "10"\n'
    )


# (directory/file, first part, each later part, last part): JSON files are one object
# whose keys are written between the first and the last part.
JSON_KINDS = {
    "node/knexfile.json": (
        '{"production": {"client": "pg", "pool": {"min": 2, "max": 10}}, "other": {',
        lambda i: f'"k{i}": "v{i}", ',
        '"end": 1}}\n',
    ),
    "dotnet/appsettings.json": (
        '{"ConnectionStrings": {"Main": "Host=db;Maximum Pool Size=10"}, "Other": {',
        lambda i: f'"k{i}": "v{i}", ',
        '"end": 1}}\n',
    ),
}

KINDS = {
    "spring-yaml/src/main/resources/application.yml": spring_yaml,
    "spring-properties/src/main/resources/application.properties": spring_properties,
    "rails/config/database.yml": rails,
    "compose/compose.yml": compose,
    "pgbouncer/pgbouncer.ini": pgbouncer,
    "postgres/postgresql.conf": postgres,
    "mysql/my.cnf": mysql,
    "dotenv/.env": dotenv,
    "kubernetes/deploy.yaml": kubernetes,
}


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
    for name, part in KINDS.items():
        write(os.path.join(args.out, name), part(0), part, "", args.bytes)
    for name, (first, part, last) in JSON_KINDS.items():
        write(os.path.join(args.out, name), first, part, last, args.bytes)


if __name__ == "__main__":
    main()
