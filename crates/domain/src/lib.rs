//! The rules of opending, free of I/O: identifiers, orgs, apps and their installations,
//! token lifetimes, keyed hashing of secrets, and DingTalk's error catalogue.
//!
//! Everything here is deterministic given its inputs (randomness is passed in as an RNG),
//! so the server, the storage layer and the SDK can share it and test it in isolation.

pub mod app;
pub mod audit;
pub mod clock;
pub mod directory;
pub mod error;
pub mod event;
pub mod grant;
pub mod ids;
pub mod isv;
pub mod jsapi;
pub mod legacy;
pub mod openauth;
pub mod org;
pub mod orgauth;
pub mod permission;
pub mod principal;
pub mod secret;
pub mod token;
pub mod user;

pub use app::{App, Distribution, Installation, InstallationStatus};
pub use audit::{ActorKind, AuditEvent, AuditKind, AuditQuery};
pub use clock::UnixTime;
pub use error::{ApiError, ErrorCode};
pub use ids::{ClientId, CorpId, IdError};
pub use legacy::{LegacyCode, LegacyError, Surface};
pub use org::Org;
pub use orgauth::OrgAuthInfo;
pub use permission::{GrantType, PermissionCode, PermissionPoint, PointKind};
pub use principal::{Principal, Subject};
pub use secret::{HashKey, KeyedHash, Secret};
pub use user::{Membership, Role, UnionId, User};
