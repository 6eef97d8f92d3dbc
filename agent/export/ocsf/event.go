package ocsf

// Version is the OCSF schema version the events follow.
const Version = "1.3.0"

// Event is a Network Activity event; only the fields Zeta fills.
type Event struct {
	Time          int64  `json:"time"` // milliseconds since the epoch
	CategoryUID   int    `json:"category_uid"`
	CategoryName  string `json:"category_name"`
	ClassUID      int    `json:"class_uid"`
	ClassName     string `json:"class_name"`
	ActivityID    int    `json:"activity_id"`
	ActivityName  string `json:"activity_name"`
	TypeUID       int    `json:"type_uid"`
	TypeName      string `json:"type_name"`
	SeverityID    int    `json:"severity_id"`
	Severity      string `json:"severity"`
	ActionID      int    `json:"action_id"`
	Action        string `json:"action"`
	DispositionID int    `json:"disposition_id"`
	Disposition   string `json:"disposition"`
	StatusDetail  string `json:"status_detail,omitempty"`
	Message       string `json:"message"`
	// StartTime is when a connection that ended started (milliseconds).
	StartTime int64 `json:"start_time,omitempty"`

	Metadata       Metadata       `json:"metadata"`
	Device         Device         `json:"device"`
	SrcEndpoint    Endpoint       `json:"src_endpoint"`
	DstEndpoint    Endpoint       `json:"dst_endpoint"`
	ConnectionInfo ConnectionInfo `json:"connection_info"`
	Traffic        Traffic        `json:"traffic"`
	FirewallRule   *FirewallRule  `json:"firewall_rule,omitempty"`
	Unmapped       Unmapped       `json:"unmapped"`
}

// Metadata names the schema and the product.
type Metadata struct {
	Version  string   `json:"version"`
	Product  Product  `json:"product"`
	Profiles []string `json:"profiles"`
}

// Product is the reporting product.
type Product struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

// Device is the node that judged the flow.
type Device struct {
	Hostname string `json:"hostname,omitempty"`
	Name     string `json:"name,omitempty"`
	TypeID   int    `json:"type_id"`
	Type     string `json:"type"`
}

// Endpoint is one end of the flow.
type Endpoint struct {
	IP   string `json:"ip"`
	Port uint16 `json:"port,omitempty"`
	// Name is the pod, as namespace/name.
	Name string `json:"name,omitempty"`
}

// ConnectionInfo describes the transport.
type ConnectionInfo struct {
	ProtocolNum   int    `json:"protocol_num,omitempty"`
	ProtocolName  string `json:"protocol_name"`
	ProtocolVerID int    `json:"protocol_ver_id"`
	ProtocolVer   string `json:"protocol_ver"`
	DirectionID   int    `json:"direction_id"`
	Direction     string `json:"direction"`
	TCPFlags      *int   `json:"tcp_flags,omitempty"`
}

// Traffic counts what the record stands for: one packet, or on a
// connection's end what each side sent (out: source to destination).
type Traffic struct {
	Bytes      uint64 `json:"bytes"`
	Packets    uint64 `json:"packets"`
	BytesOut   uint64 `json:"bytes_out,omitempty"`
	PacketsOut uint64 `json:"packets_out,omitempty"`
	BytesIn    uint64 `json:"bytes_in,omitempty"`
	PacketsIn  uint64 `json:"packets_in,omitempty"`
}

// FirewallRule is the policy rule that decided.
type FirewallRule struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// Unmapped carries what OCSF has no attribute for.
type Unmapped struct {
	Zeta Zeta `json:"zeta"`
}

// Zeta is the Zeta view of the flow: verdict, identities, Kubernetes
// names and labels.
type Zeta struct {
	Verdict      string `json:"verdict"`
	DropReason   string `json:"drop_reason,omitempty"`
	Direction    string `json:"direction"`
	Endpoint     string `json:"endpoint,omitempty"`
	Ifindex      uint32 `json:"ifindex"`
	RuleID       uint32 `json:"rule_id,omitempty"`
	ICMP         *ICMP  `json:"icmp,omitempty"`
	TraceContext string `json:"trace_context,omitempty"`
	Source       Peer   `json:"source"`
	Destination  Peer   `json:"destination"`
}

// ICMP is the ICMP type and code.
type ICMP struct {
	Type uint8 `json:"type"`
	Code uint8 `json:"code"`
}

// Peer is what Zeta knows of one end.
type Peer struct {
	Identity  uint32            `json:"identity"`
	Namespace string            `json:"namespace,omitempty"`
	Pod       string            `json:"pod,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	SPIFFEID  string            `json:"spiffe_id,omitempty"`
}
