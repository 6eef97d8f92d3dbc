// Package flowtest has the flow records exporter tests send.
package flowtest
