#!/usr/bin/env python3
"""Seeded generator of a synthetic monorepo of pool configuration for poollint's
benchmarks: Spring application.yml with profiles and application-prod.properties,
Kubernetes Deployments with HPAs and ConfigMaps, Rails database.yml with anchors and
ERB, pgbouncer.ini, postgresql.conf, docker-compose files and a poollint.toml.

    benches/generate.py OUT_DIR --files 10000 --seed 1
    benches/generate.py OUT_DIR --files 1000 --source-files 20000 --seed 1

`--source-files N` also writes N one-line Java files into the services' source trees:
a real repository is mostly code, which poollint walks past without reading.
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
    properties:
      hibernate:
        jdbc:
          batch_size: 50
        order_inserts: true
        order_updates: true
  jackson:
    default-property-inclusion: non_null
    serialization:
      write-dates-as-timestamps: false
  flyway:
    enabled: true
    locations: classpath:db/migration
    baseline-on-migrate: true
  kafka:
    bootstrap-servers: kafka-{db}.internal:9092
    consumer:
      group-id: {name}
      auto-offset-reset: earliest
      max-poll-records: 200
    producer:
      acks: all
      retries: 3
  cache:
    type: caffeine
    caffeine:
      spec: maximumSize=10000,expireAfterWrite=300s
management:
  server:
    port: 9{port}
  endpoints:
    web:
      exposure:
        include: health,info,prometheus,metrics
  endpoint:
    health:
      probes:
        enabled: true
      show-details: when-authorized
  metrics:
    tags:
      application: {name}
      team: team{db}
    distribution:
      percentiles-histogram:
        http.server.requests: true
logging:
  level:
    root: INFO
    com.example.{name}: DEBUG
    org.hibernate.SQL: WARN
    com.zaxxer.hikari: INFO
  pattern:
    console: "%d{{yyyy-MM-dd HH:mm:ss}} [%thread] %-5level %logger{{36}} - %msg%n"
resilience4j:
  circuitbreaker:
    instances:
      payments:
        sliding-window-size: 50
        failure-rate-threshold: 50
        wait-duration-in-open-state: 30s
  retry:
    instances:
      payments:
        max-attempts: 3
        wait-duration: 500ms
app:
  features:
    new-checkout: {flag}
    recommendations: true
  clients:
    payments:
      base-url: https://payments.internal
      connect-timeout: 2s
      read-timeout: 5s
    inventory:
      base-url: https://inventory.internal
      connect-timeout: 2s
      read-timeout: 3s
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
# Values here win over application.yml for the prod profile.
spring.datasource.hikari.maximum-pool-size={prod_pool}
spring.datasource.hikari.connection-timeout={timeout}
spring.datasource.hikari.leak-detection-threshold=60000
spring.datasource.hikari.data-source-properties.reWriteBatchedInserts=true
spring.datasource.hikari.data-source-properties.ApplicationName={name}
spring.jpa.properties.hibernate.generate_statistics=false
spring.kafka.bootstrap-servers=kafka-prod-{db}.internal:9092
spring.kafka.consumer.group-id={name}-prod
spring.kafka.producer.compression-type=lz4
spring.cache.caffeine.spec=maximumSize=50000,expireAfterWrite=600s
management.endpoints.web.exposure.include=health,info,prometheus
management.metrics.tags.environment=prod
management.tracing.sampling.probability=0.05
server.shutdown=graceful
spring.lifecycle.timeout-per-shutdown-phase=25s
server.compression.enabled=true
server.compression.min-response-size=2048
logging.level.root=WARN
logging.level.com.example.{name}=INFO
app.clients.payments.base-url=https://payments.prod.internal
app.clients.payments.read-timeout=4s
app.clients.inventory.base-url=https://inventory.prod.internal
app.clients.inventory.read-timeout=2s
app.features.new-checkout={flag}
"""

K8S = """# {name}: deployment, service, autoscaler and configuration
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: shop
    app.kubernetes.io/managed-by: kustomize
    team: team{db}
  annotations:
    deployment.kubernetes.io/revision: "{i}"
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/part-of: shop
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9{port}"
        prometheus.io/path: /actuator/prometheus
    spec:
      serviceAccountName: {name}
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: {name}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {name}
      containers:
        - name: {name}
          image: registry.example/{name}:1.{i}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
            - name: management
              containerPort: 9{port}
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: prod
            - name: JAVA_TOOL_OPTIONS
              value: "-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
            - name: SPRING_DATASOURCE_USERNAME
              value: {name}
            - name: SPRING_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {name}-db
                  key: password
            - name: OTEL_SERVICE_NAME
              value: {name}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://otel-collector.observability:4317
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          envFrom:
            - configMapRef:
                name: {name}-env
          resources:
            requests:
              cpu: 500m
              memory: 768Mi
            limits:
              cpu: "2"
              memory: 1536Mi
          startupProbe:
            httpGet:
              path: /actuator/health/liveness
              port: management
            failureThreshold: 30
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: 8080
            periodSeconds: 10
            timeoutSeconds: 2
          readinessProbe:
            httpGet:
              path: /actuator/health/readiness
              port: management
            periodSeconds: 5
            timeoutSeconds: 2
          volumeMounts:
            - name: config
              mountPath: /config
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: {name}-config
        - name: tmp
          emptyDir: {{}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: shop
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
    - name: management
      port: 9{port}
      targetPort: management
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
  namespace: shop
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-env
  namespace: shop
data:
  SERVER_SHUTDOWN: graceful
  MANAGEMENT_METRICS_TAGS_CLUSTER: prod-eu-1
  LOGGING_LEVEL_ROOT: INFO
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
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - type: Percent
          value: 50
          periodSeconds: 60
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

DATABASE_YML = """# PostgreSQL. Versions 9.3 and up are supported.
#
# Configure Using Gemfile
# gem "pg"
#
default: &default
  adapter: postgresql
  encoding: unicode
  # For details on connection pooling, see Rails configuration guide
  # https://guides.rubyonrails.org/configuring.html#database-pooling
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") {{ {pool} }} %>
  checkout_timeout: 5
  idle_timeout: 300
  reaping_frequency: 60
  variables:
    statement_timeout: 30s

development:
  <<: *default
  database: {name}_development
  host: localhost

# Warning: The database defined as "test" will be erased and
# re-generated from your development database when you run "rake".
# Do not set this db to the same as development or production.
test:
  <<: *default
  database: {name}_test
  host: localhost

production:
  <<: *default
  database: {name}_production
  username: {name}
  url: <%= ENV["DATABASE_URL"] %>
  prepared_statements: false
  advisory_locks: false
"""

PGBOUNCER = """;; pgbouncer configuration for {name}
;; database name = connect string
;;
;; connect string params:
;;   dbname= host= port= user= password= auth_user=
;;   client_encoding= datestyle= timezone=
;;   pool_size= reserve_pool= max_db_connections=
;;   pool_mode= connect_query= application_name=
[databases]
{name} = host=db-{db}.internal port=5432 dbname={name}
{name}_reports = host=db-{db}-replica.internal port=5432 dbname={name} pool_size=5

[users]
{name}_admin = pool_mode=session

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
server_lifetime = 3600
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
max_prepared_statements = 100

;;; Logging
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
stats_period = 60

;;; Console access
admin_users = pgbouncer_admin
stats_users = pgbouncer_stats, monitoring

;;; TLS
client_tls_sslmode = require
client_tls_key_file = /etc/pgbouncer/tls/tls.key
client_tls_cert_file = /etc/pgbouncer/tls/tls.crt
server_tls_sslmode = verify-full
server_tls_ca_file = /etc/pgbouncer/tls/ca.crt

;;; Dangerous timeouts
;; query_timeout = 0
;; client_idle_timeout = 0
;; idle_transaction_timeout = 0
"""

POSTGRESQL_CONF = """# -----------------------------
# PostgreSQL configuration file for db-{db}
# -----------------------------
#
# Most settings keep their defaults and are listed commented out, as the
# postgresql.conf that initdb writes does.
{commented_defaults}
# - Settings changed for this server -
listen_addresses = '*'
max_connections = {max_conn}
superuser_reserved_connections = 3
shared_buffers = 4GB
work_mem = 16MB
statement_timeout = 30s
idle_in_transaction_session_timeout = 60s
log_min_duration_statement = 500ms
"""

COMPOSE = """# Local stack for {name}
x-logging: &logging
  driver: json-file
  options:
    max-size: 10m
    max-file: "3"

services:
  db:
    image: postgres:16
    command: postgres -c max_connections={max_conn} -c shared_buffers=1GB
    environment:
      POSTGRES_DB: {name}
      POSTGRES_USER: {name}
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD}}
    ports:
      - "5432:5432"
    volumes:
      - db-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U {name}"]
      interval: 5s
      timeout: 3s
      retries: 10
    logging: *logging
  kafka:
    image: bitnami/kafka:3.7
    environment:
      KAFKA_CFG_NODE_ID: "0"
      KAFKA_CFG_PROCESS_ROLES: controller,broker
      KAFKA_CFG_LISTENERS: PLAINTEXT://:9092,CONTROLLER://:9093
      KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: 0@kafka:9093
      KAFKA_CFG_CONTROLLER_LISTENER_NAMES: CONTROLLER
    logging: *logging
  {name}:
    image: registry.example/{name}:latest
    depends_on:
      db:
        condition: service_healthy
      kafka:
        condition: service_started
    deploy:
      replicas: {replicas}
      resources:
        limits:
          cpus: "1.0"
          memory: 1g
    ports:
      - "8080:8080"
    environment:
      SPRING_PROFILES_ACTIVE: dev
      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/{name}
      SPRING_KAFKA_BOOTSTRAP_SERVERS: kafka:9092
      JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75
    logging: *logging

volumes:
  db-data:
"""

def commented_defaults():
    """Commented-out parameter lines, as the postgresql.conf initdb writes is mostly
    made of (about 10 KB, the size of real files in ../shared/corpus/postgres)."""
    names_file = os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "..", "src", "model", "data", "postgresql-parameters.txt",
    )
    with open(names_file, encoding="utf-8") as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    lines = []
    for n, name in enumerate(names[:180]):
        if n % 20 == 0:
            lines.append(f"\n#------------------------------------------------------------------------------\n# SECTION {n // 20 + 1}\n#------------------------------------------------------------------------------\n")
        lines.append(f"#{name} = default\t\t# (change requires restart)")
    return "\n".join(lines).replace("{", "{{").replace("}", "}}")


COMMENTED_DEFAULTS = None

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
        "flag": rng.choice(["true", "false"]),
        "commented_defaults": COMMENTED_DEFAULTS,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source-files", type=int, default=0)
    args = parser.parse_args()
    global COMMENTED_DEFAULTS
    COMMENTED_DEFAULTS = commented_defaults()
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
    write_source_files(args.out, args.source_files, service)
    print(f"wrote {written} files and {args.source_files} source files to {args.out}")


def write_source_files(out, count, services):
    """`count` one-line Java files, 40 per package, spread over the services."""
    for n in range(count):
        service = n // 40 % max(services, 1) + 1
        package = n // 40
        directory = os.path.join(
            out, f"team{service % 50:02d}", f"svc{service:05d}", "src", "main", "java",
            f"pkg{package:05d}",
        )
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"Class{n % 40:02d}.java"), "w", encoding="utf-8") as f:
            f.write(f"class Class{n % 40:02d} {{}}\n")


if __name__ == "__main__":
    main()
