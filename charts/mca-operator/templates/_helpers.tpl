{{/* The chart's name. */}}
{{- define "mca-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, with the chart's name unless it has it. */}}
{{- define "mca-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The labels of the manager's pods, used by the Deployment, the Service and the NetworkPolicy. */}}
{{- define "mca-operator.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: {{ include "mca-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mca-operator.labels" -}}
{{ include "mca-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mca-operator
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "mca-operator.serviceAccountName" -}}
{{ include "mca-operator.fullname" . }}-controller-manager
{{- end }}

{{/* Where the credentials Secrets are: credentialsNamespace, else the release namespace. */}}
{{- define "mca-operator.credentialsNamespace" -}}
{{ .Values.credentialsNamespace | default .Release.Namespace }}
{{- end }}

{{/* Where the leader-election Lease is: leaderElection.namespace, else the credentials namespace. */}}
{{- define "mca-operator.leaderElectionNamespace" -}}
{{ .Values.leaderElection.namespace | default (include "mca-operator.credentialsNamespace" .) }}
{{- end }}

{{- define "mca-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}
{{- end }}
