//! The in-memory state of one instance that [`crate::Core`] holds: caches, throttles, the audit
//! log's queue, the emulator's rules. Plain data structures with their own bookkeeping: nothing
//! here knows `Core` or a service, which own the rules that use them, so `core.rs` imports no
//! service and the module graph has no cycle.

pub mod audit_sink;
pub mod contact_cache;
pub mod emulator;
pub mod hot_tokens;
pub mod stream_hub;
pub mod throttle;
pub mod token_cache;

pub use audit_sink::AuditSink;
pub use contact_cache::ContactCache;
pub use emulator::EmulatorState;
pub use hot_tokens::HotTokens;
pub use stream_hub::StreamHub;
pub use throttle::SignInThrottle;
pub use token_cache::TokenCache;
