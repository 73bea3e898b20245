//! The snake_case names of the coded values as the dataset writes them: the names `#[wire]`
//! gives them in JSON (a test compares every variant), as plain tables so that reading a row
//! serialises nothing.

use diachain_std::encoding::{ReadingKind, Trend, Unit};
use diachain_std::DataScope;

macro_rules! names {
    ($(#[$m:meta])* $ty:ident, $name:ident, $parse:ident { $($v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        pub const fn $name(v: $ty) -> &'static str {
            match v { $($ty::$v => $s),+ }
        }

        #[doc = concat!("The value of a name, exactly as [`", stringify!($name), "`] writes it.")]
        pub fn $parse(s: &str) -> Option<$ty> {
            match s { $($s => Some($ty::$v),)+ _ => None }
        }
    };
}

names!(
    /// A reading kind's name (`insulin_bolus`).
    ReadingKind, kind_name, parse_kind {
        Glucose => "glucose",
        InsulinBolus => "insulin_bolus",
        InsulinBasal => "insulin_basal",
        Carbohydrates => "carbohydrates",
        Ketones => "ketones",
        DeviceEvent => "device_event",
        HeartRate => "heart_rate",
        Steps => "steps",
        TempBasal => "temp_basal",
        TherapyEvent => "therapy_event",
        UploaderBattery => "uploader_battery",
        PumpBattery => "pump_battery",
        PumpReservoir => "pump_reservoir",
        PumpStatus => "pump_status",
        LoopStatus => "loop_status",
    }
);

names!(
    /// A unit's name (`mg_per_dl`).
    Unit, unit_name, parse_unit {
        None => "none",
        MgPerDl => "mg_per_dl",
        MmolPerL => "mmol_per_l",
        InsulinUnits => "insulin_units",
        InsulinUnitsPerHour => "insulin_units_per_hour",
        Grams => "grams",
        BeatsPerMinute => "beats_per_minute",
        Count => "count",
        Percent => "percent",
    }
);

names!(
    /// A trend's name (`forty_five_up`).
    Trend, trend_name, parse_trend {
        Unknown => "unknown",
        DoubleDown => "double_down",
        SingleDown => "single_down",
        FortyFiveDown => "forty_five_down",
        Flat => "flat",
        FortyFiveUp => "forty_five_up",
        SingleUp => "single_up",
        DoubleUp => "double_up",
        NotComputable => "not_computable",
        RateOutOfRange => "rate_out_of_range",
    }
);

names!(
    /// A scope's name (`device_events`).
    DataScope, scope_name, parse_scope {
        Glucose => "glucose",
        Insulin => "insulin",
        Nutrition => "nutrition",
        DeviceEvents => "device_events",
        SummariesOnly => "summaries_only",
    }
);

/// A reading kind in words (the FHIR code's display, the data dictionary).
pub const fn kind_display(kind: ReadingKind) -> &'static str {
    match kind {
        ReadingKind::Glucose => "Glucose",
        ReadingKind::InsulinBolus => "Insulin bolus",
        ReadingKind::InsulinBasal => "Basal insulin rate",
        ReadingKind::Carbohydrates => "Carbohydrates",
        ReadingKind::Ketones => "Ketones",
        ReadingKind::DeviceEvent => "Device event",
        ReadingKind::HeartRate => "Heart rate",
        ReadingKind::Steps => "Steps",
        ReadingKind::TempBasal => "Temporary basal rate",
        ReadingKind::TherapyEvent => "Therapy event",
        ReadingKind::UploaderBattery => "Uploader battery",
        ReadingKind::PumpBattery => "Pump battery",
        ReadingKind::PumpReservoir => "Pump reservoir",
        ReadingKind::PumpStatus => "Pump status",
        ReadingKind::LoopStatus => "Loop status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: serde::Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_name_is_the_wire_name_and_reads_back() {
        for &k in ReadingKind::ALL {
            assert_eq!(kind_name(k), json(k));
            assert_eq!(parse_kind(kind_name(k)), Some(k));
        }
        for &u in Unit::ALL {
            assert_eq!(unit_name(u), json(u));
            assert_eq!(parse_unit(unit_name(u)), Some(u));
        }
        for &t in Trend::ALL {
            assert_eq!(trend_name(t), json(t));
            assert_eq!(parse_trend(trend_name(t)), Some(t));
        }
        for &s in DataScope::ALL {
            assert_eq!(scope_name(s), json(s));
            assert_eq!(parse_scope(scope_name(s)), Some(s));
        }
        assert_eq!(parse_kind("Glucose"), None);
        assert_eq!(parse_unit(""), None);
    }
}
