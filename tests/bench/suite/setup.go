package suite

// Firewall is the iptables rule set a setup loads into the server's node.
type Firewall int

// Firewalls.
const (
	NoFirewall  Firewall = iota
	Linear               // every packet to the server walks the rules
	Established          // ESTABLISHED,RELATED accepted first: only new connections walk them
)

// Setup is one configuration under test.
type Setup struct {
	Key    string // short; part of the cluster's name
	Title  string
	Agents bool
	// Peers is how many virtual pods, each its own identity, the rules
	// name: every one is allowed to PeerPorts ports of the server, ahead
	// of the client's rule. With Agents, a NetworkPolicy says so; with a
	// Firewall, iptables does.
	Peers    int
	Policy   bool // write the NetworkPolicy: the client's rule, after the peers'
	Firewall Firewall
	// Paused agents stay stopped (SIGSTOP) while the setup is measured:
	// the datapath enforces alone, its flow events unread.
	Paused bool
}

// PeerPorts is how many ports each peer is allowed to.
const PeerPorts = 10

// Setups are the configurations measured, baseline first.
var Setups = []Setup{
	{Key: "base", Title: "no agent (baseline)"},
	{Key: "zeta1", Title: "Zeta, 1 rule", Agents: true, Policy: true},
	{Key: "zeta10k", Title: "Zeta, 10,000 rules", Agents: true, Policy: true, Peers: 1000},
	{Key: "zeta10kp", Title: "Zeta, 10,000 rules, agents paused", Agents: true, Policy: true, Peers: 1000, Paused: true},
	{Key: "ipt", Title: "iptables, 10,000 rules", Peers: 1000, Firewall: Linear},
	{Key: "iptest", Title: "iptables, 10,000 rules, ESTABLISHED first", Peers: 1000, Firewall: Established},
}
