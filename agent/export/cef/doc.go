// Package cef formats flow records as ArcSight Common Event Format (CEF)
// version 0 events, the payload SIEMs such as ArcSight, QRadar, Sentinel
// and Splunk parse from syslog. docs/export.md lists the field mapping.
package cef
