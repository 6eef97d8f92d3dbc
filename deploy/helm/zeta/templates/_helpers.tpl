{{/* Labels on every object of the chart. */}}
{{- define "zeta.labels" -}}
app.kubernetes.io/name: zeta
app.kubernetes.io/part-of: zeta
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* The agent's selector labels: stable across upgrades. */}}
{{- define "zeta.agentSelector" -}}
app.kubernetes.io/name: zeta
app.kubernetes.io/component: agent
{{- end }}
