#!/usr/bin/env python3
"""Seeded generator of a synthetic monorepo of pool configuration for poollint's
benchmarks: Spring application.yml with profiles and application-prod.properties,
Kubernetes Deployments with HPAs and ConfigMaps, Rails database.yml with anchors and
ERB, pgbouncer.ini, postgresql.conf, docker-compose files and a poollint.toml.

    benches/generate.py OUT_DIR --files 10000 --seed 1
"""
import argparse
import os
import random

SPRING_YML = """# {name}: generated service {i}
server:
  port: {port}
  tomcat:
    threads:
      max: {threads}
spring:
  application:
    name: {name}
  datasource:
    url: jdbc:postgresql://db-{db}.internal:5432/{name}?sslmode=verify-full&socketTimeout=30
    username: {name}
    password: ${{DB_PASSWORD}}
    hikari:
      pool-name: {name}
      maximum-pool-size: {pool}
      minimum-idle: {min_idle}
      connection-timeout: {timeout}
      max-lifetime: {lifetime}
      keepalive-time: 300000
  jpa:
    open-in-view: false
---
spring:
  config:
    activate:
      on-profile: prod
  datasource:
    hikari:
      maximum-pool-size: {prod_pool}
"""

SPRING_PROPERTIES = """# {name} production overrides
spring.datasource.hikari.maximum-pool-size={prod_pool}
spring.datasource.hikari.connection-timeout={timeout}
spring.datasource.hikari.leak-detection-threshold=60000
"""

K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: {replicas}
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: {name}
          image: registry.example/{name}:1.{i}
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: prod
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: 8080
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: {replicas}
  maxReplicas: {max_replicas}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: shop
data:
  application.yml: |
    spring:
      datasource:
        hikari:
          maximum-pool-size: {pool}
"""

DATABASE_YML = """default: &default
  adapter: postgresql
  encoding: unicode
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") {{ {pool} }} %>
  checkout_timeout: 5

development:
  <<: *default
  database: {name}_development

production:
  <<: *default
  database: {name}_production
  url: <%= ENV["DATABASE_URL"] %>
"""

PGBOUNCER = """[databases]
{name} = host=db-{db}.internal port=5432 dbname={name}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
pool_mode = transaction
default_pool_size = {pool}
max_client_conn = {max_client}
query_wait_timeout = 10
server_idle_timeout = 600
"""

POSTGRESQL_CONF = """# generated postgresql.conf for db-{db}
listen_addresses = '*'
max_connections = {max_conn}
superuser_reserved_connections = 3
shared_buffers = 4GB
work_mem = 16MB
statement_timeout = 30s
idle_in_transaction_session_timeout = 60s
log_min_duration_statement = 500ms
"""

COMPOSE = """services:
  db:
    image: postgres:16
    command: postgres -c max_connections={max_conn} -c shared_buffers=1GB
  {name}:
    image: registry.example/{name}:latest
    deploy:
      replicas: {replicas}
    environment:
      SPRING_PROFILES_ACTIVE: dev
"""

KINDS = [
    ("src/main/resources/application.yml", SPRING_YML, 30),
    ("src/main/resources/application-prod.properties", SPRING_PROPERTIES, 15),
    ("deploy/k8s.yaml", K8S, 20),
    ("config/database.yml", DATABASE_YML, 10),
    ("pgbouncer/pgbouncer.ini", PGBOUNCER, 10),
    ("db/postgresql.conf", POSTGRESQL_CONF, 8),
    ("docker-compose.yml", COMPOSE, 7),
]


def values(rng, i):
    pool = rng.choice([5, 8, 10, 16, 20, 32, 50])
    return {
        "i": i,
        "name": f"svc{i:05d}",
        "port": 8000 + i % 1000,
        "threads": rng.choice([50, 100, 200]),
        "db": i % 37,
        "pool": pool,
        "prod_pool": pool * 2,
        "min_idle": rng.choice([2, 5, pool]),
        "timeout": rng.choice([250, 1000, 3000, 30000]),
        "lifetime": rng.choice([600000, 1200000, 1800000]),
        "replicas": rng.choice([1, 2, 3, 6, 10]),
        "max_replicas": rng.choice([10, 20, 40]),
        "max_client": rng.choice([100, 500, 1000]),
        "max_conn": rng.choice([100, 200, 500]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    weights = [k[2] for k in KINDS]
    written = 0
    service = 0
    while written < args.files:
        service += 1
        path, template, _ = rng.choices(KINDS, weights=weights)[0]
        target = os.path.join(args.out, f"team{service % 50:02d}", f"svc{service:05d}", path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(template.format(**values(rng, service)))
        written += 1
    with open(os.path.join(args.out, "poollint.toml"), "w", encoding="utf-8") as f:
        f.write('[lint]\nfail-on = "never"\n')
    print(f"wrote {written} files to {args.out}")


if __name__ == "__main__":
    main()
