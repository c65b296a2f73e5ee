//! Any bytes as a payroll input line: as an employee-month for
//! gross-to-net, and as PAP inputs for the Lohnsteuer. Either refused with
//! problems or computed; never a panic (also not for inputs that pass
//! validation with extreme values).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = serde_json::from_str::<kontor_payroll::gross_to_net::EmployeeMonth>(text) {
        let _ = kontor_payroll::gross_to_net::compute(&m);
    }
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(input) = kontor_payroll::pap::LstInput::from_json(&obj) {
            let _ = input.compute().output();
        }
    }
});
