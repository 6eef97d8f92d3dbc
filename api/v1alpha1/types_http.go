package v1alpha1

// HTTPRule matches HTTP requests; every field that is set must match.
type HTTPRule struct {
	// Methods match the request method; empty matches any.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:items:Pattern=`^[A-Z][-A-Z]*$`
	Methods []string `json:"methods,omitempty"`
	// Paths match the request path; empty matches any.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Paths []PathMatch `json:"paths,omitempty"`
	// Hosts match the Host (:authority) without port; "*.example.com"
	// matches any subdomain. Empty matches any.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^((\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|[0-9a-fA-F.:]+)$`
	Hosts []string `json:"hosts,omitempty"`
	// Headers must all match.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Headers []HeaderMatch `json:"headers,omitempty"`
	// JWT requires a valid token from the policy's JWT providers.
	// +optional
	JWT *JWTRequirement `json:"jwt,omitempty"`
}

// PathMatch matches a request path; exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="(has(self.exact) ? 1 : 0) + (has(self.prefix) ? 1 : 0) + (has(self.glob) ? 1 : 0) == 1",message="exactly one of exact, prefix or glob"
type PathMatch struct {
	// Exact matches the path exactly.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[^?#]*$`
	Exact string `json:"exact,omitempty"`
	// Prefix matches the path and every path below it, segment-wise:
	// "/api" matches "/api" and "/api/v1", not "/apix".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[^?#]*$`
	Prefix string `json:"prefix,omitempty"`
	// Glob matches a path whose segments match one by one; a segment "*"
	// matches any one segment.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^(/(\*|[^*/?#]*))+$`
	Glob string `json:"glob,omitempty"`
}

// HeaderMatch matches a request header.
//
// +kubebuilder:validation:XValidation:rule="!(has(self.present) && !self.present && has(self.value))",message="value cannot be combined with present: false"
type HeaderMatch struct {
	// Name is the header name, case-insensitive.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[-A-Za-z0-9]+$`
	Name string `json:"name"`
	// Value, if set, must equal the header's value.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Value string `json:"value,omitempty"`
	// Present false requires the header to be absent; true (or unset with
	// no value) requires it to be present.
	// +optional
	Present *bool `json:"present,omitempty"`
}

// JWTRequirement requires a valid JSON Web Token on the request.
type JWTRequirement struct {
	// Providers are names of spec.jwtProviders; empty accepts any provider
	// of the policy.
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=63
	Providers []string `json:"providers,omitempty"`
	// RequiredScopes must all be in the token's "scope" (or "scp") claim.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[^\s]+$`
	RequiredScopes []string `json:"requiredScopes,omitempty"`
	// RequiredClaims are claims the token must carry with these values.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, k != '')",message="claim names must not be empty"
	RequiredClaims map[string]string `json:"requiredClaims,omitempty"`
}

// JWTProvider is a token issuer and where its signing keys are.
//
// +kubebuilder:validation:XValidation:rule="(has(self.jwks) ? 1 : 0) + (has(self.jwksFile) ? 1 : 0) + (has(self.jwksUri) ? 1 : 0) == 1",message="exactly one of jwks, jwksFile or jwksUri"
type JWTProvider struct {
	// Name identifies the provider within the policy.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Issuer must equal the token's "iss" claim.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Issuer string `json:"issuer"`
	// Audiences: the token's "aud" must contain one of them; empty accepts
	// any audience.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=1024
	Audiences []string `json:"audiences,omitempty"`
	// JWKS is the issuer's JSON Web Key Set, inline.
	// +optional
	// +kubebuilder:validation:MaxLength=65536
	JWKS string `json:"jwks,omitempty"`
	// JWKSFile is a path on the node holding the JSON Web Key Set.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:Pattern=`^/`
	JWKSFile string `json:"jwksFile,omitempty"`
	// JWKSURI is the https URL the JSON Web Key Set is fetched from.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https' && url(self).getHostname() != ''",message="must be an https URL"
	JWKSURI string `json:"jwksUri,omitempty"`
	// ClockSkewSeconds is the leeway on exp and nbf; default 60.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ClockSkewSeconds *int32 `json:"clockSkewSeconds,omitempty"`
	// RequireExpiration rejects tokens without an exp claim.
	// +optional
	RequireExpiration bool `json:"requireExpiration,omitempty"`
	// MaxTokenBytes rejects longer tokens; default 8192.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxTokenBytes *int32 `json:"maxTokenBytes,omitempty"`
	// FromHeaders are where the token is read from; default
	// "Authorization" with prefix "Bearer ".
	// +optional
	// +kubebuilder:validation:MaxItems=8
	FromHeaders []JWTHeader `json:"fromHeaders,omitempty"`
	// ForwardClaims copy claims of a verified token into request headers
	// for the workload; a header of that name sent by the client is
	// removed first, so the workload can trust it.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	ForwardClaims []ClaimHeader `json:"forwardClaims,omitempty"`
	// RemoveToken removes the header the token came from before the
	// request reaches the workload.
	// +optional
	RemoveToken bool `json:"removeToken,omitempty"`
}

// ClaimHeader names a claim and the request header that carries it to the
// workload: strings, numbers and booleans as they are, arrays of them
// joined with ",".
type ClaimHeader struct {
	// Claim is the name of a top-level claim.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Claim string `json:"claim"`
	// Header is the request header's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[-A-Za-z0-9]+$`
	Header string `json:"header"`
}

// JWTHeader is a request header carrying a token after an optional prefix.
type JWTHeader struct {
	// Name is the header name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[-A-Za-z0-9]+$`
	Name string `json:"name"`
	// Prefix precedes the token in the header's value, such as "Bearer ".
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Prefix string `json:"prefix,omitempty"`
}
