// Package exporters is how the agent configures its flow exporters: one
// of each kind from command-line flags, any number from a YAML file
// (--export-config) that is read strictly (an unknown key is an error
// with its line), and New, which builds them all.
package exporters
