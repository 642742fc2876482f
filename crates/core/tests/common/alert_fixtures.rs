//! Alerts as the core hands them to its shells, for the CLI's and the desktop's unit tests,
//! which include this file by path (the core's own tests make theirs through the service).

use integrations_core::alerts::{Alert, AlertDetails, AlertRule};

/// A week's ROAS (POS) down 30 % on the week before (2.10× after 3.00×), of one store (its name
/// given) or of the whole workspace.
pub fn roas_drop(store_name: Option<&str>) -> Alert {
    let store = store_name.map(|name| (uuid::Uuid::from_u128(7), name));
    Alert {
        id: uuid::Uuid::nil(),
        rule: AlertRule::RoasDrop,
        subject: store.map(|(id, _)| id.to_string()).unwrap_or_default(),
        integration_id: store.map(|(id, _)| id),
        integration_name: store.map(|(_, name)| name.to_owned()),
        fired_at: "2026-11-20T05:00:00Z".parse().unwrap(),
        cleared_at: None,
        dismissed_at: None,
        details: AlertDetails::RoasDrop {
            from: "2026-11-13".parse().unwrap(),
            to: "2026-11-19".parse().unwrap(),
            currency: "VND".into(),
            exponent: 0,
            spend_minor: 1_200_001,
            revenue_minor: 2_520_002,
            roas: 2_520_002.0 / 1_200_001.0,
            previous_spend_minor: 1_200_001,
            previous_revenue_minor: 3_600_003,
            previous_roas: Some(3.0),
            below_floor: false,
            dropped: true,
            floor_percent: 100,
            drop_percent: 30,
        },
        report: None,
        computed_offline: false,
    }
}
