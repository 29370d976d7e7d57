{{/*
Names, labels, images, presets and the environment blocks every Hearth container is built from.
One Hearth setting block (docs/configuration.md) = one `hearth.env.*` helper, so each service gets exactly
the blocks its settings class reads.
*/}}

{{- define "hearth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource; 40 characters leave room for "-maintenance" and StatefulSet pod suffixes. */}}
{{- define "hearth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* (dict "ctx" $ "component" "query-api") → <fullname>-query-api */}}
{{- define "hearth.componentName" -}}
{{- printf "%s-%s" (include "hearth.fullname" .ctx) .component -}}
{{- end -}}

{{- define "hearth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "hearth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hearth
{{- end -}}

{{/* (dict "ctx" $ "component" "gateway") */}}
{{- define "hearth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hearth.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hearth.componentLabels" -}}
{{ include "hearth.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* (dict "ctx" $ "image" .Values.postgresql.image) → registry/repository:tag, the global registry winning */}}
{{- define "hearth.image" -}}
{{- $registry := .ctx.Values.global.imageRegistry | default .image.registry -}}
{{- $ref := printf "%s:%s" .image.repository (.image.tag | default .ctx.Chart.AppVersion | toString) -}}
{{- if .image.digest -}}
{{- $ref = printf "%s@%s" .image.repository .image.digest -}}
{{- end -}}
{{- if $registry -}}
{{- printf "%s/%s" $registry $ref -}}
{{- else -}}
{{- $ref -}}
{{- end -}}
{{- end -}}

{{- define "hearth.hearthImage" -}}
{{- include "hearth.image" (dict "ctx" . "image" .Values.image) -}}
{{- end -}}

{{- define "hearth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hearth.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The chart's own Secret: generated credentials and the secrets given as plain values. */}}
{{- define "hearth.secretName" -}}
{{- include "hearth.fullname" . -}}
{{- end -}}

{{/*
The services: values key → resource name, documented port (the settings classes' default_port) and command.
*/}}
{{- define "hearth.services" -}}
gateway: {name: gateway, port: 8080, command: hearth-gateway}
backend: {name: backend, port: 8000, command: hearth-backend}
ingest: {name: ingest, port: 8012, command: hearth-ingest}
queryApi: {name: query-api, port: 8011, command: hearth-query-api}
cache: {name: cache, port: 9001, command: hearth-cache}
compaction: {name: compaction, port: 8013, command: hearth-compaction}
maintenance: {name: maintenance, port: 8014, command: hearth-maintenance}
{{- end -}}

{{/* (dict "ctx" $ "key" "queryApi") → the service's row of hearth.services */}}
{{- define "hearth.service" -}}
{{- index (include "hearth.services" .ctx | fromYaml) .key | toYaml -}}
{{- end -}}

{{/*
Sizing presets. `config` holds the Hearth settings that must agree with the resources (query memory × slots
below the memory limit, one ingest worker per core, cache budget below its scratch volume).
*/}}
{{- define "hearth.presets" -}}
tiny:
  gateway: {replicas: 1, resources: {requests: {cpu: 50m, memory: 128Mi}, limits: {memory: 256Mi}}}
  backend: {replicas: 1, resources: {requests: {cpu: 50m, memory: 192Mi}, limits: {memory: 512Mi}}}
  ingest:
    replicas: 1
    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 1Gi}}
    config: {HEARTH_PROCESSOR_WORKERS: "1", HEARTH_WAL_BUDGET_BYTES: "1073741824"}
  queryApi:
    replicas: 1
    resources: {requests: {cpu: 100m, memory: 512Mi}, limits: {memory: 1536Mi}}
    config: {HEARTH_QUERY_MEMORY_LIMIT_BYTES: "268435456", HEARTH_QUERY_MAX_CONCURRENT: "4"}
  cache: {replicas: 1, scratch: 2Gi, resources: {requests: {cpu: 50m, memory: 128Mi}, limits: {memory: 512Mi}}}
  compaction: {replicas: 1, resources: {requests: {cpu: 50m, memory: 256Mi}, limits: {memory: 1Gi}}}
  maintenance: {replicas: 1, resources: {requests: {cpu: 25m, memory: 128Mi}, limits: {memory: 256Mi}}}
small:
  gateway: {replicas: 2, resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 512Mi}}}
  backend: {replicas: 2, resources: {requests: {cpu: 250m, memory: 384Mi}, limits: {memory: 1Gi}}}
  ingest:
    replicas: 2
    resources: {requests: {cpu: "2", memory: 1Gi}, limits: {memory: 3Gi}}
    config: {HEARTH_PROCESSOR_WORKERS: "2", HEARTH_WAL_BUDGET_BYTES: "8589934592"}
  queryApi:
    replicas: 2
    resources: {requests: {cpu: "1", memory: 2Gi}, limits: {memory: 4Gi}}
    config: {HEARTH_QUERY_MEMORY_LIMIT_BYTES: "536870912", HEARTH_QUERY_MAX_CONCURRENT: "4"}
  cache: {replicas: 2, scratch: 20Gi, resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 1Gi}}}
  compaction: {replicas: 1, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}
  maintenance: {replicas: 1, resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}}
standard:
  gateway: {replicas: 3, resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {memory: 1Gi}}}
  backend: {replicas: 3, resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {memory: 1536Mi}}}
  ingest:
    replicas: 3
    resources: {requests: {cpu: "4", memory: 2Gi}, limits: {memory: 6Gi}}
    config: {HEARTH_PROCESSOR_WORKERS: "4", HEARTH_WAL_BUDGET_BYTES: "12884901888"}
  queryApi:
    replicas: 3
    resources: {requests: {cpu: "2", memory: 4Gi}, limits: {memory: 8Gi}}
    config: {HEARTH_QUERY_MEMORY_LIMIT_BYTES: "1073741824", HEARTH_QUERY_MAX_CONCURRENT: "6"}
  cache: {replicas: 3, scratch: 100Gi, resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {memory: 2Gi}}}
  compaction: {replicas: 2, resources: {requests: {cpu: "1", memory: 2Gi}, limits: {memory: 4Gi}}}
  maintenance: {replicas: 1, resources: {requests: {cpu: 250m, memory: 512Mi}, limits: {memory: 1Gi}}}
{{- end -}}

{{/* (dict "ctx" $ "key" "gateway") → the preset row of that service */}}
{{- define "hearth.preset" -}}
{{- $presets := include "hearth.presets" .ctx | fromYaml -}}
{{- index (index $presets .ctx.Values.preset) .key | toYaml -}}
{{- end -}}

{{- define "hearth.replicas" -}}
{{- $own := index .ctx.Values .key "replicas" -}}
{{- if kindIs "invalid" $own -}}
{{- (include "hearth.preset" . | fromYaml).replicas -}}
{{- else -}}
{{- $own -}}
{{- end -}}
{{- end -}}

{{- define "hearth.resources" -}}
{{- $own := index .ctx.Values .key "resources" -}}
{{- if $own -}}
{{- toYaml $own -}}
{{- else -}}
{{- toYaml (include "hearth.preset" . | fromYaml).resources -}}
{{- end -}}
{{- end -}}

{{/* Replica count the hash rings list: fixed by `replicas` (ingest and cache are not autoscaled). */}}
{{- define "hearth.ingestUrls" -}}
{{- $name := include "hearth.componentName" (dict "ctx" . "component" "ingest") -}}
{{- $urls := list -}}
{{- range $i := until (int (include "hearth.replicas" (dict "ctx" . "key" "ingest"))) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s.%s.svc:8012" $name $i $name $.Release.Namespace) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{- define "hearth.cacheHeadless" -}}
{{- printf "%s-headless" (include "hearth.componentName" (dict "ctx" . "component" "cache")) -}}
{{- end -}}

{{- define "hearth.cachePeers" -}}
{{- $name := include "hearth.componentName" (dict "ctx" . "component" "cache") -}}
{{- $headless := include "hearth.cacheHeadless" . -}}
{{- $urls := list -}}
{{- range $i := until (int (include "hearth.replicas" (dict "ctx" . "key" "cache"))) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s.%s.svc:9001" $name $i $headless $.Release.Namespace) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{- define "hearth.publicBaseUrl" -}}
{{- .Values.publicBaseUrl | trimSuffix "/" -}}
{{- end -}}

{{/* ---------------------------------------------------------------- environment blocks */}}

{{/* Common + Listening: every Hearth service. (dict "ctx" $ "key" "gateway") */}}
{{- define "hearth.env.service" -}}
{{- $svc := include "hearth.service" . | fromYaml }}
- name: HEARTH_ENVIRONMENT
  value: {{ .ctx.Values.environment | quote }}
- name: HEARTH_LOG_LEVEL
  value: {{ .ctx.Values.logLevel | quote }}
- name: HEARTH_LOG_FORMAT
  value: {{ .ctx.Values.logFormat | quote }}
- name: HEARTH_HOST
  value: "0.0.0.0"
- name: HEARTH_PORT
  value: {{ $svc.port | quote }}
{{- end -}}

{{/* PostgreSQL block: app DSN and, when separate, the catalog DSN. */}}
{{- define "hearth.env.database" -}}
{{- $db := .Values.externalDatabase }}
- name: HEARTH_DATABASE_URL
  valueFrom:
    secretKeyRef:
{{- if and (not .Values.postgresql.enabled) $db.existingSecret }}
      name: {{ $db.existingSecret }}
      key: {{ $db.urlKey }}
{{- else }}
      name: {{ include "hearth.secretName" . }}
      key: database-url
{{- end }}
{{- if and (not .Values.postgresql.enabled) $db.existingSecret $db.catalogUrlKey }}
- name: HEARTH_CATALOG_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.catalogUrlKey }}
{{- else if and (not .Values.postgresql.enabled) (not $db.existingSecret) $db.catalogUrl }}
- name: HEARTH_CATALOG_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "hearth.secretName" . }}
      key: catalog-database-url
{{- end }}
{{- end -}}

{{- define "hearth.env.redis" -}}
- name: HEARTH_REDIS_URL
  valueFrom:
    secretKeyRef:
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret }}
      name: {{ .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.urlKey }}
{{- else }}
      name: {{ include "hearth.secretName" . }}
      key: redis-url
{{- end }}
{{- end -}}

{{- define "hearth.env.secretKey" -}}
- name: HEARTH_SECRET_KEY
  valueFrom:
    secretKeyRef:
{{- if .Values.secretKey.existingSecret }}
      name: {{ .Values.secretKey.existingSecret }}
      key: {{ .Values.secretKey.existingSecretKey }}
{{- else }}
      name: {{ include "hearth.secretName" . }}
      key: secret-key
{{- end }}
{{- end -}}

{{/* Where the GCS key file is mounted (storage services only). */}}
{{- define "hearth.gcsKeyDir" -}}/var/run/secrets/hearth/gcs{{- end -}}

{{- define "hearth.gcsKeyMounted" -}}
{{- $gcs := .Values.objectStorage.gcs -}}
{{- if and (eq .Values.objectStorage.type "gcs") (or $gcs.existingSecret $gcs.serviceAccountKey) -}}true{{- end -}}
{{- end -}}

{{/*
Object storage block. Credentials come from Secrets into plain variables first; `HEARTH_STORAGE_OPTIONS`
references them with Kubernetes' `$(VAR)` expansion, so no credential is written into a manifest.
*/}}
{{- define "hearth.env.storage" -}}
{{- $os := .Values.objectStorage -}}
{{- $secret := include "hearth.secretName" . -}}
{{- $opts := dict -}}
{{- $url := "" -}}
{{- if eq $os.type "minio" }}
{{- $url = printf "s3://%s" .Values.minio.bucket }}
{{- $_ := set $opts "endpoint" (printf "http://%s:9000" (include "hearth.componentName" (dict "ctx" . "component" "minio"))) }}
{{- $_ := set $opts "region" "us-east-1" }}
{{- $_ := set $opts "allow_http" "true" }}
{{- $_ := set $opts "access_key_id" "$(STORAGE_ACCESS_KEY_ID)" }}
{{- $_ := set $opts "secret_access_key" "$(STORAGE_SECRET_ACCESS_KEY)" }}
- name: STORAGE_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: minio-root-user}
- name: STORAGE_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: minio-root-password}
{{- else if eq $os.type "s3" }}
{{- $url = printf "s3://%s" (trimSuffix "/" (printf "%s/%s" $os.s3.bucket $os.s3.prefix)) }}
{{- if $os.s3.region }}{{ $_ := set $opts "region" $os.s3.region }}{{ end }}
{{- if $os.s3.endpoint }}{{ $_ := set $opts "endpoint" $os.s3.endpoint }}{{ end }}
{{- if $os.s3.allowHttp }}{{ $_ := set $opts "allow_http" "true" }}{{ end }}
{{- if or $os.s3.existingSecret $os.s3.accessKeyId }}
{{- $_ := set $opts "access_key_id" "$(STORAGE_ACCESS_KEY_ID)" }}
{{- $_ := set $opts "secret_access_key" "$(STORAGE_SECRET_ACCESS_KEY)" }}
- name: STORAGE_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ $os.s3.existingSecret | default $secret }}, key: {{ ternary $os.s3.accessKeyIdKey "s3-access-key-id" (ne $os.s3.existingSecret "") }}}
- name: STORAGE_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ $os.s3.existingSecret | default $secret }}, key: {{ ternary $os.s3.secretAccessKeyKey "s3-secret-access-key" (ne $os.s3.existingSecret "") }}}
{{- end }}
{{- else if eq $os.type "azure" }}
{{- $url = printf "az://%s" (trimSuffix "/" (printf "%s/%s" $os.azure.container $os.azure.prefix)) }}
{{- $_ := set $opts "account_name" $os.azure.accountName }}
{{- if or $os.azure.existingSecret $os.azure.accountKey }}
{{- $_ := set $opts "account_key" "$(STORAGE_ACCOUNT_KEY)" }}
- name: STORAGE_ACCOUNT_KEY
  valueFrom:
    secretKeyRef: {name: {{ $os.azure.existingSecret | default $secret }}, key: {{ ternary $os.azure.accountKeyKey "azure-account-key" (ne $os.azure.existingSecret "") }}}
{{- end }}
{{- else if eq $os.type "gcs" }}
{{- $url = printf "gs://%s" (trimSuffix "/" (printf "%s/%s" $os.gcs.bucket $os.gcs.prefix)) }}
{{- if include "hearth.gcsKeyMounted" . }}
{{- $_ := set $opts "service_account_path" (printf "%s/service-account.json" (include "hearth.gcsKeyDir" .)) }}
{{- end }}
{{- end }}
{{- $opts = merge (deepCopy $os.extraOptions) $opts }}
- name: HEARTH_STORAGE_URL
  value: {{ $url | quote }}
- name: HEARTH_STORAGE_OPTIONS
  value: {{ $opts | toJson | quote }}
{{- end -}}

{{- define "hearth.storageVolumeMounts" -}}
{{- if include "hearth.gcsKeyMounted" . }}
- name: gcs-key
  mountPath: {{ include "hearth.gcsKeyDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "hearth.storageVolumes" -}}
{{- $gcs := .Values.objectStorage.gcs -}}
{{- if include "hearth.gcsKeyMounted" . }}
- name: gcs-key
  secret:
    secretName: {{ $gcs.existingSecret | default (include "hearth.secretName" .) }}
    items:
      - key: {{ ternary $gcs.serviceAccountKeyKey "gcs-service-account.json" (ne $gcs.existingSecret "") }}
        path: service-account.json
{{- end }}
{{- end -}}

{{/* Settings as env: the template's `defaults`, overridden by the preset's, overridden by the service's
`config`; then the service's `extraEnv` and the global `extraEnv`. (dict "ctx" $ "key" "cache" "defaults" dict) */}}
{{- define "hearth.env.extra" -}}
{{- $preset := include "hearth.preset" . | fromYaml -}}
{{- $own := index .ctx.Values .key -}}
{{- $config := merge (deepCopy ($own.config | default dict)) ($preset.config | default dict) (.defaults | default dict) -}}
{{- range $name := keys $config | sortAlpha }}
- name: {{ $name }}
  value: {{ index $config $name | toString | quote }}
{{- end }}
{{- with $own.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .ctx.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* ---------------------------------------------------------------- pod pieces */}}

{{/* Pod-level fields every Hearth pod shares. (dict "ctx" $ "key" "gateway") */}}
{{- define "hearth.podCommon" -}}
{{- $own := index .ctx.Values .key -}}
serviceAccountName: {{ include "hearth.serviceAccountName" .ctx }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with .ctx.Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with $own.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $own.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $own.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $own.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Container fields every Hearth service shares: image, command, port, probes, resources, security. */}}
{{- define "hearth.containerCommon" -}}
{{- $svc := include "hearth.service" . | fromYaml -}}
image: {{ include "hearth.hearthImage" .ctx }}
imagePullPolicy: {{ .ctx.Values.image.pullPolicy }}
command: [{{ $svc.command | quote }}]
ports:
  - name: http
    containerPort: {{ $svc.port }}
    protocol: TCP
startupProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /ready, port: http}
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 3
resources:
  {{- include "hearth.resources" . | trim | nindent 2 }}
securityContext:
  {{- toYaml .ctx.Values.containerSecurityContext | nindent 2 }}
{{- end -}}

{{/* Bundled PostgreSQL: every pod that uses the database applies pending migrations first (idempotent and
serialised by an advisory lock), because on a first install the database does not exist before the release. */}}
{{- define "hearth.migrateInitContainer" -}}
{{- if .Values.postgresql.enabled }}
- name: migrate
  image: {{ include "hearth.hearthImage" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: ["hearth", "migrate"]
  env:
    - name: HEARTH_ENVIRONMENT
      value: {{ .Values.environment | quote }}
    {{- include "hearth.env.database" . | trim | nindent 4 }}
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.containerSecurityContext | nindent 4 }}
{{- end }}
{{- end -}}

{{/* (dict "ctx" $ "key" "gateway" "kind" "Deployment") */}}
{{- define "hearth.pdb" -}}
{{- $own := index .ctx.Values .key -}}
{{- $svc := include "hearth.service" . | fromYaml -}}
{{- if $own.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "hearth.componentName" (dict "ctx" .ctx "component" $svc.name) }}
  labels:
    {{- include "hearth.componentLabels" (dict "ctx" .ctx "component" $svc.name) | trim | nindent 4 }}
spec:
  maxUnavailable: {{ $own.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "hearth.selectorLabels" (dict "ctx" .ctx "component" $svc.name) | trim | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "hearth.hpa" -}}
{{- $own := index .ctx.Values .key -}}
{{- $svc := include "hearth.service" . | fromYaml -}}
{{- if $own.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "hearth.componentName" (dict "ctx" .ctx "component" $svc.name) }}
  labels:
    {{- include "hearth.componentLabels" (dict "ctx" .ctx "component" $svc.name) | trim | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "hearth.componentName" (dict "ctx" .ctx "component" $svc.name) }}
  minReplicas: {{ $own.autoscaling.minReplicas }}
  maxReplicas: {{ $own.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $own.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/* A ClusterIP Service on the documented port. */}}
{{- define "hearth.clusterService" -}}
{{- $svc := include "hearth.service" . | fromYaml }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "hearth.componentName" (dict "ctx" .ctx "component" $svc.name) }}
  labels:
    {{- include "hearth.componentLabels" (dict "ctx" .ctx "component" $svc.name) | trim | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "hearth.selectorLabels" (dict "ctx" .ctx "component" $svc.name) | trim | nindent 4 }}
  ports:
    - name: http
      port: {{ $svc.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/* Checks that fail the render with one sentence instead of producing a release that cannot start. */}}
{{- define "hearth.validate" -}}
{{- if and .Values.dex.enabled (not .Values.publicBaseUrl) -}}
{{- fail "dex.enabled needs publicBaseUrl: Dex's issuer is <publicBaseUrl>/auth-api, the URL browsers reach" -}}
{{- end -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) -}}
{{- fail "postgresql.enabled is false: set externalDatabase.url or externalDatabase.existingSecret" -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.url) (not .Values.externalRedis.existingSecret) -}}
{{- fail "redis.enabled is false: set externalRedis.url or externalRedis.existingSecret" -}}
{{- end -}}
{{- $os := .Values.objectStorage -}}
{{- if and (eq $os.type "s3") (not $os.s3.bucket) -}}
{{- fail "objectStorage.type is s3: set objectStorage.s3.bucket" -}}
{{- end -}}
{{- if and (eq $os.type "azure") (or (not $os.azure.container) (not $os.azure.accountName)) -}}
{{- fail "objectStorage.type is azure: set objectStorage.azure.accountName and objectStorage.azure.container" -}}
{{- end -}}
{{- if and (eq $os.type "gcs") (not $os.gcs.bucket) -}}
{{- fail "objectStorage.type is gcs: set objectStorage.gcs.bucket" -}}
{{- end -}}
{{- if and .Values.ingress.enabled .Values.httpRoute.enabled -}}
{{- fail "enable either ingress or httpRoute, not both" -}}
{{- end -}}
{{- end -}}

{{/* "20Gi" → bytes (Mi, Gi and Ti only, as values.schema.json allows). */}}
{{- define "hearth.bytes" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Ti" $q -}}{{ mul (trimSuffix "Ti" $q | int64) 1099511627776 }}
{{- else if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | int64) 1073741824 }}
{{- else if hasSuffix "Mi" $q -}}{{ mul (trimSuffix "Mi" $q | int64) 1048576 }}
{{- else -}}{{ fail (printf "size %q: write it in Mi, Gi or Ti" $q) }}
{{- end -}}
{{- end -}}
