//! The operators' dashboards: what each page shows, assembled from the contexts' own summaries in one call.
//! `system`: the system dashboard's data (`GET /admin/system/dashboard`).

pub mod export;
pub mod openapi;
pub mod pages;
pub mod system;
