package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ZeroTrustPolicy applies rules to the pods its selector selects in its
// namespace.
//
// +kubebuilder:resource:scope=Namespaced,shortName=ztp,categories=zeta
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:object:root=true
type ZeroTrustPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:validation:XValidation:rule="!has(self.namespaceSelector)",message="namespaceSelector is allowed only in a ClusterZeroTrustPolicy"
	Spec   ZeroTrustPolicySpec   `json:"spec"`
	Status ZeroTrustPolicyStatus `json:"status,omitempty"`
}

// ZeroTrustPolicyList is a list of ZeroTrustPolicy.
//
// +kubebuilder:object:root=true
type ZeroTrustPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ZeroTrustPolicy `json:"items"`
}

// ClusterZeroTrustPolicy applies rules to the pods its selector selects in
// the namespaces its namespaceSelector selects (every namespace if unset).
//
// +kubebuilder:resource:scope=Cluster,shortName=cztp,categories=zeta
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:object:root=true
type ClusterZeroTrustPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ZeroTrustPolicySpec   `json:"spec"`
	Status ZeroTrustPolicyStatus `json:"status,omitempty"`
}

// ClusterZeroTrustPolicyList is a list of ClusterZeroTrustPolicy.
//
// +kubebuilder:object:root=true
type ClusterZeroTrustPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterZeroTrustPolicy `json:"items"`
}

// ZeroTrustPolicySpec is the desired behaviour of both policy kinds.
//
// +kubebuilder:validation:XValidation:rule="!has(self.ingress) || self.ingress.all(r, !has(r.http) || r.http.all(h, !has(h.jwt) || (has(self.jwtProviders) && (!has(h.jwt.providers) || h.jwt.providers.all(n, self.jwtProviders.exists(p, p.name == n))))))",message="ingress http jwt providers must name entries of spec.jwtProviders"
// +kubebuilder:validation:XValidation:rule="!has(self.egress) || self.egress.all(r, !has(r.http) || r.http.all(h, !has(h.jwt) || (has(self.jwtProviders) && (!has(h.jwt.providers) || h.jwt.providers.all(n, self.jwtProviders.exists(p, p.name == n))))))",message="egress http jwt providers must name entries of spec.jwtProviders"
type ZeroTrustPolicySpec struct {
	// Selector selects the pods the policy applies to, in the policy's
	// namespace (ZeroTrustPolicy) or in the namespaces NamespaceSelector
	// selects (ClusterZeroTrustPolicy). An empty selector selects every pod.
	Selector metav1.LabelSelector `json:"selector"`
	// NamespaceSelector selects the namespaces of a ClusterZeroTrustPolicy;
	// unset means every namespace. Not allowed in a ZeroTrustPolicy.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// Authentication applies to every rule that does not set its own.
	// +optional
	Authentication AuthenticationMode `json:"authentication,omitempty"`
	// JWTProviders are the token issuers the policy's HTTP rules accept.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	JWTProviders []JWTProvider `json:"jwtProviders,omitempty"`
	// Ingress rules judge connections to the selected pods.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(r, !has(r.to))",message="to is allowed only in egress rules"
	// +kubebuilder:validation:XValidation:rule="self.all(r, !has(r.name) || self.exists_one(s, has(s.name) && s.name == r.name))",message="rule names must be unique"
	Ingress []Rule `json:"ingress,omitempty"`
	// Egress rules judge connections from the selected pods.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(r, !has(r.from))",message="from is allowed only in ingress rules"
	// +kubebuilder:validation:XValidation:rule="self.all(r, !has(r.name) || self.exists_one(s, has(s.name) && s.name == r.name))",message="rule names must be unique"
	Egress []Rule `json:"egress,omitempty"`
}

// Action is what a rule does with the connections it matches.
//
// +kubebuilder:validation:Enum=Allow;Deny;Audit
type Action string

// Actions. Deny beats Audit beats Allow, whatever policy they come from.
const (
	// ActionAllow lets matching connections through; it is the default.
	ActionAllow Action = "Allow"
	// ActionDeny drops matching connections.
	ActionDeny Action = "Deny"
	// ActionAudit logs matching connections as denied and lets them through.
	ActionAudit Action = "Audit"
)

// AuthenticationMode is how the peers of a rule must authenticate.
//
// +kubebuilder:validation:Enum=None;MutualTLS
type AuthenticationMode string

// Authentication modes; the empty mode inherits the policy's (or is None).
const (
	// AuthenticationNone enforces on identities from addresses only.
	AuthenticationNone AuthenticationMode = "None"
	// AuthenticationMutualTLS requires the connection to go through the
	// node proxies, authenticated with both workloads' X.509-SVIDs.
	AuthenticationMutualTLS AuthenticationMode = "MutualTLS"
)

// Rule matches connections by peer and port and gives them an action.
//
// +kubebuilder:validation:XValidation:rule="!has(self.http) || size(self.http) == 0 || !has(self.action) || self.action != 'Deny'",message="http rules are allowed only with action Allow or Audit"
// +kubebuilder:validation:XValidation:rule="!has(self.http) || size(self.http) == 0 || (has(self.ports) && size(self.ports) > 0 && self.ports.all(p, !has(p.protocol) || p.protocol == 'TCP'))",message="http rules require ports, all of them TCP"
type Rule struct {
	// Name identifies the rule in flows and explanations; unique within
	// the list.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`
	// Action is Allow (default), Deny or Audit.
	// +optional
	Action Action `json:"action,omitempty"`
	// From are the sources of ingress connections; empty matches every source.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	From []Peer `json:"from,omitempty"`
	// To are the destinations of egress connections; empty matches every
	// destination.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	To []Peer `json:"to,omitempty"`
	// Ports are the destination ports; empty matches every port and protocol.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Ports []PortRange `json:"ports,omitempty"`
	// Authentication overrides the policy's authentication for this rule.
	// +optional
	Authentication AuthenticationMode `json:"authentication,omitempty"`
	// HTTP rules restrict allowed connections to matching requests; they
	// need TCP ports and an Allow or Audit action.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	HTTP []HTTPRule `json:"http,omitempty"`
}

// Peer is one kind of peer: pods by selectors, an address block, or
// workloads by SPIFFE ID.
//
// +kubebuilder:validation:XValidation:rule="((has(self.podSelector) || has(self.namespaceSelector)) ? 1 : 0) + (has(self.cidr) ? 1 : 0) + ((has(self.principals) && size(self.principals) > 0) ? 1 : 0) == 1",message="a peer sets exactly one of podSelector/namespaceSelector, cidr or principals"
// +kubebuilder:validation:XValidation:rule="!has(self.except) || has(self.cidr)",message="except requires cidr"
// +kubebuilder:validation:XValidation:rule="!has(self.except) || !has(self.cidr) || !isCIDR(self.cidr) || self.except.all(e, !isCIDR(e) || cidr(self.cidr).containsCIDR(e))",message="except entries must be inside cidr"
type Peer struct {
	// PodSelector selects pods: in the policy's namespace (ZeroTrustPolicy)
	// or in every namespace (ClusterZeroTrustPolicy) when alone, in the
	// namespaces NamespaceSelector selects when both are set.
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
	// NamespaceSelector alone selects every pod of the matching namespaces.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// CIDR is an IPv4 or IPv6 network, such as 10.0.0.0/8.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self) == cidr(self).masked()",message="must be a network address in CIDR notation, such as 10.0.0.0/8"
	CIDR string `json:"cidr,omitempty"`
	// Except are networks inside CIDR that the peer does not match.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.all(e, isCIDR(e) && cidr(e) == cidr(e).masked())",message="entries must be network addresses in CIDR notation"
	Except []string `json:"except,omitempty"`
	// Principals are SPIFFE IDs spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>;
	// the namespace or service account may be "*".
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^spiffe://[a-z0-9._-]+/ns/(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)/sa/(\*|[a-z0-9]([-.a-z0-9]*[a-z0-9])?)$`
	Principals []string `json:"principals,omitempty"`
}

// PortRange is a protocol and a port or range of ports.
//
// +kubebuilder:validation:XValidation:rule="!has(self.endPort) || has(self.port)",message="endPort requires port"
// +kubebuilder:validation:XValidation:rule="!has(self.endPort) || !has(self.port) || self.endPort >= self.port",message="endPort must not be below port"
type PortRange struct {
	// Protocol is TCP (default), UDP or SCTP.
	// +optional
	// +kubebuilder:validation:Enum=TCP;UDP;SCTP
	Protocol corev1.Protocol `json:"protocol,omitempty"`
	// Port is the first port; unset (0) matches every port of the protocol.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// EndPort is the last port of the range; it needs Port and is >= Port.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	EndPort int32 `json:"endPort,omitempty"`
}

// ZeroTrustPolicyStatus is what the agents report about a policy.
type ZeroTrustPolicyStatus struct {
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: type Accepted, reason Valid or Invalid.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// Status condition types and reasons.
const (
	// ConditionAccepted is true when the policy is valid and enforced.
	ConditionAccepted = "Accepted"
	// ReasonValid is the reason of an Accepted condition that is true.
	ReasonValid = "Valid"
	// ReasonInvalid is the reason of an Accepted condition that is false.
	ReasonInvalid = "Invalid"
)
