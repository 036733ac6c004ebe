{{/* Names and labels: every object is <release>-<component>. */}}
{{- define "tunescribe.name" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tunescribe.labels" -}}
app.kubernetes.io/name: tunescribe
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{- define "tunescribe.selector" -}}
app.kubernetes.io/name: tunescribe
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The settings every pod gets (the same as compose's), its secrets from existingSecret. */}}
{{- define "tunescribe.env" -}}
env:
  - name: TUNESCRIBE_ENVIRONMENT
    value: production
  - name: TUNESCRIBE_VAR_DIR
    value: /data/var
  - name: TUNESCRIBE_STORAGE_URL
    value: {{ required "storage.url (s3://BUCKET/PREFIX) is required: the pods share no folder" .Values.storage.url | quote }}
  {{- with .Values.storage.endpointUrl }}
  - name: TUNESCRIBE_S3_ENDPOINT_URL
    value: {{ . | quote }}
  {{- end }}
  - name: AWS_REGION
    value: {{ .Values.storage.region | quote }}
  {{- range $name, $value := .Values.env }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
envFrom:
  - secretRef:
      name: {{ required "existingSecret (the Secret with DATABASE_URL, BROKER_URL, TUNESCRIBE_SECRET_KEY) is required" .Values.existingSecret }}
{{- end -}}

{{- define "tunescribe.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
{{ include "tunescribe.env" . }}
{{- end -}}

{{/* /data: the var folder (beat's schedule, temporary files); trained models on the shared claim. */}}
{{- define "tunescribe.volumes" -}}
volumes:
  - name: data
    emptyDir: {}
  {{- if and .models .Values.models.existingClaim }}
  - name: models
    persistentVolumeClaim:
      claimName: {{ .Values.models.existingClaim }}
  {{- end }}
{{- end -}}

{{- define "tunescribe.mounts" -}}
volumeMounts:
  - name: data
    mountPath: /data
  {{- if and .models .Values.models.existingClaim }}
  - name: models
    mountPath: /data/var/models
  {{- end }}
{{- end -}}
