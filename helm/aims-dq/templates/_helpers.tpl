{{- define "aims-dq.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aims-dq.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aims-dq.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aims-dq.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "aims-dq.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "aims-dq.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "aims-dq.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aims-dq.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "aims-dq.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/*
One CronJob. Call with (dict "root" $ "stage" "ingest" "binary" "dq-ingest").
The CronJob name is <fullname>-<stage>; run-all is spelled run-all.
*/}}
{{- define "aims-dq.cronjob" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $key := .key }}
{{- $spec := index $v.cronJobs $key }}
{{- $indexed := and (eq $key "ingest") $v.sharding.enabled }}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ printf "%s-%s" (include "aims-dq.fullname" $root) .stage | trunc 52 | trimSuffix "-" }}
  labels:
    {{- include "aims-dq.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .stage }}
spec:
  schedule: {{ $spec.schedule | quote }}
  {{- with $v.timeZone }}
  timeZone: {{ . | quote }}
  {{- end }}
  concurrencyPolicy: {{ $v.job.concurrencyPolicy }}
  startingDeadlineSeconds: {{ $v.job.startingDeadlineSeconds }}
  successfulJobsHistoryLimit: {{ $v.job.successfulJobsHistoryLimit }}
  failedJobsHistoryLimit: {{ $v.job.failedJobsHistoryLimit }}
  jobTemplate:
    metadata:
      labels:
        {{- include "aims-dq.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .stage }}
    spec:
      backoffLimit: {{ $v.job.backoffLimit }}
      activeDeadlineSeconds: {{ $v.job.activeDeadlineSeconds }}
      ttlSecondsAfterFinished: {{ $v.job.ttlSecondsAfterFinished }}
      {{- if $indexed }}
      completionMode: Indexed
      completions: {{ $v.sharding.shards }}
      parallelism: {{ default $v.sharding.shards $v.sharding.parallelism }}
      {{- end }}
      template:
        metadata:
          labels:
            {{- include "aims-dq.selectorLabels" $root | nindent 12 }}
            app.kubernetes.io/component: {{ .stage }}
            {{- with $v.podLabels }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          annotations:
            checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
            {{- with $v.podAnnotations }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
        spec:
          restartPolicy: Never
          serviceAccountName: {{ include "aims-dq.serviceAccountName" $root }}
          automountServiceAccountToken: {{ $v.serviceAccount.automountServiceAccountToken }}
          {{- with $v.imagePullSecrets }}
          imagePullSecrets:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- toYaml $v.podSecurityContext | nindent 12 }}
          containers:
            - name: {{ .stage }}
              image: {{ include "aims-dq.image" $root | quote }}
              imagePullPolicy: {{ $v.image.pullPolicy }}
              command: [{{ printf "/usr/local/bin/%s" .binary | quote }}]
              {{- $args := list }}
              {{- if .subcommand }}
              {{- $args = append $args .subcommand }}
              {{- end }}
              {{- if $indexed }}
              {{- $args = concat $args (list "--shards" (toString $v.sharding.shards)) }}
              {{- end }}
              {{- $args = concat $args $spec.args }}
              {{- with $args }}
              args: {{ toJson . }}
              {{- end }}
              env:
                - name: AIMS_DQ_CONFIG
                  value: /etc/aims-dq/pipeline.yaml
                - name: AIMS_DQ_LOG_FORMAT
                  value: json
                - name: TMPDIR
                  value: /tmp
                {{- range $name, $value := $v.roots }}
                {{- if $value }}
                - name: {{ printf "AIMS_DQ_%s" (upper $name) }}
                  value: {{ $value | quote }}
                {{- end }}
                {{- end }}
                {{- if $v.suites }}
                - name: AIMS_DQ_SUITES
                  value: /etc/aims-dq/suites
                {{- end }}
                {{- with $v.metrics.pushgatewayUrl }}
                - name: AIMS_DQ_PUSHGATEWAY_URL
                  value: {{ . | quote }}
                {{- end }}
                {{- if $v.alerts.existingSecret }}
                {{- range $var, $k := dict "AIMS_DQ_SLACK_WEBHOOK_URL" $v.alerts.slackWebhookUrlKey "AIMS_DQ_TEAMS_WEBHOOK_URL" $v.alerts.teamsWebhookUrlKey "AIMS_DQ_WEBHOOK_URL" $v.alerts.webhookUrlKey "AIMS_DQ_WEBHOOK_SECRET" $v.alerts.webhookSecretKey }}
                - name: {{ $var }}
                  valueFrom:
                    secretKeyRef:
                      name: {{ $v.alerts.existingSecret }}
                      key: {{ $k }}
                      optional: true
                {{- end }}
                {{- end }}
                {{- with $v.env }}
                {{- toYaml . | nindent 16 }}
                {{- end }}
              {{- with $v.credentials.existingSecret }}
              envFrom:
                - secretRef:
                    name: {{ . }}
              {{- end }}
              securityContext:
                {{- toYaml $v.securityContext | nindent 16 }}
              resources:
                {{- toYaml $v.resources | nindent 16 }}
              volumeMounts:
                - name: config
                  mountPath: /etc/aims-dq/pipeline.yaml
                  subPath: pipeline.yaml
                  readOnly: true
                {{- if $v.suites }}
                - name: suites
                  mountPath: /etc/aims-dq/suites
                  readOnly: true
                {{- end }}
                - name: tmp
                  mountPath: /tmp
                {{- if $v.persistence.existingClaim }}
                - name: data
                  mountPath: {{ $v.persistence.mountPath }}
                {{- end }}
          volumes:
            - name: config
              configMap:
                name: {{ include "aims-dq.fullname" $root }}-config
            {{- if $v.suites }}
            - name: suites
              configMap:
                name: {{ include "aims-dq.fullname" $root }}-suites
            {{- end }}
            - name: tmp
              emptyDir:
                sizeLimit: {{ $v.tmp.sizeLimit }}
            {{- if $v.persistence.existingClaim }}
            - name: data
              persistentVolumeClaim:
                claimName: {{ $v.persistence.existingClaim }}
            {{- end }}
          {{- with $v.nodeSelector }}
          nodeSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $v.tolerations }}
          tolerations:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $v.affinity }}
          affinity:
            {{- toYaml . | nindent 12 }}
          {{- end }}
{{- end }}
