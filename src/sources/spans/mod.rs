//! Span documents as the sources read them, turned into the trace model
//! ([`crate::domain::trace`]): X-Ray segment documents from BatchGetTraces ([`xray`]) and
//! OpenTelemetry span records from `aws/spans` ([`otel`]), side by side so both make the same
//! [`crate::domain::trace::Span`]s and build the same [`crate::domain::trace::Trace`].

pub mod otel;
pub mod xray;
