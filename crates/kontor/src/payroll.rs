//! `kontor payroll …`: the payroll engine from the command line. The work
//! is done by the pure `kontor-payroll` crate; this module reads JSON lines,
//! writes JSON lines and sets the exit code (0 all lines computed, 1 some
//! line refused, 2 usage error).

use std::io::{BufRead, Write};

use clap::Subcommand;
use kontor_payroll::gross_to_net::{compute, EmployeeMonth};
use kontor_payroll::pap::LstInput;
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum PayrollCommand {
    /// Lohnsteuer, Solidaritätszuschlag and church-tax base per the BMF Programmablaufplan 2026
    #[command(
        after_help = "Input: one JSON object per line with \"id\" and \"input\" (the 35 PAP inputs; money in cent, KVZ/ZKF/f as decimal strings), as in shared/corpus/payroll/lst2026_cases.jsonl.\nOutput: one line per input, {\"id\": …, \"output\": {the 12 PAP outputs in cent}}, or {\"id\": …, \"error\": [problems]}.\nExit code: 0 all computed, 1 some line refused, 2 usage error.\n\nExample:\n  kontor payroll lohnsteuer --jsonl < cases.jsonl > results.jsonl"
    )]
    Lohnsteuer {
        /// Read and write JSON lines (the only format so far)
        #[arg(long)]
        jsonl: bool,
    },
    /// Gross-to-net for employee-months: taxes, social insurance, net, payout, employer cost, with the explanation trace
    #[command(
        name = "gross-to-net",
        after_help = "Input: one employee-month per line (schema in docs/payroll.md).\nOutput: one line per input, the payslip with its trace, or {\"id\": …, \"error\": [problems]}.\nExit code: 0 all computed, 1 some line refused, 2 usage error.\n\nExample:\n  kontor payroll gross-to-net --jsonl < months.jsonl > payslips.jsonl"
    )]
    GrossToNet {
        /// Read and write JSON lines (the only format so far)
        #[arg(long)]
        jsonl: bool,
    },
}

pub fn run(command: PayrollCommand, input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<i32> {
    match command {
        PayrollCommand::Lohnsteuer { jsonl } => {
            if !jsonl {
                eprintln!("error: give --jsonl (JSON lines on stdin and stdout; see --help)");
                return Ok(2);
            }
            lohnsteuer_jsonl(input, out)
        }
        PayrollCommand::GrossToNet { jsonl } => {
            if !jsonl {
                eprintln!("error: give --jsonl (JSON lines on stdin and stdout; see --help)");
                return Ok(2);
            }
            gross_to_net_jsonl(input, out)
        }
    }
}

fn gross_to_net_jsonl(input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut code = 0;
    let mut line = String::new();
    let mut n = 0usize;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        n += 1;
        if line.trim().is_empty() {
            continue;
        }
        // The id is echoed even when the rest of the line does not parse.
        let id = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v.get("id").cloned())
            .unwrap_or(Value::Null);
        let result = match serde_json::from_str::<EmployeeMonth>(&line) {
            Err(e) => {
                code = 1;
                refusal(
                    &id,
                    vec![json!({"line": n, "en": format!("line {n}: {e}"), "de": format!("Zeile {n}: {e}")})],
                )
            }
            Ok(m) => match compute(&m) {
                Ok(payslip) => serde_json::to_value(&payslip)?,
                Err(problems) => {
                    code = 1;
                    refusal(
                        &id,
                        problems
                            .into_iter()
                            .map(|p| json!({"line": n, "field": p.field, "de": p.de, "en": p.en}))
                            .collect(),
                    )
                }
            },
        };
        serde_json::to_writer(&mut *out, &result)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(code)
}

/// The problems of one input line as JSON.
fn refusal(id: &Value, problems: Vec<Value>) -> Value {
    json!({"id": id, "error": problems})
}

fn lohnsteuer_jsonl(input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut code = 0;
    let mut line = String::new();
    let mut n = 0usize;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        n += 1;
        if line.trim().is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Value>(&line) {
            Err(e) => {
                code = 1;
                refusal(
                    &Value::Null,
                    vec![
                        json!({"line": n, "en": format!("line {n} is not JSON: {e}"), "de": format!("Zeile {n} ist kein JSON: {e}")}),
                    ],
                )
            }
            Ok(v) => {
                let id = v.get("id").cloned().unwrap_or(Value::Null);
                match v.get("input").and_then(Value::as_object) {
                    None => {
                        code = 1;
                        refusal(
                            &id,
                            vec![
                                json!({"line": n, "en": format!("line {n} has no \"input\" object"), "de": format!("Zeile {n} hat kein Objekt \"input\"")}),
                            ],
                        )
                    }
                    Some(obj) => match LstInput::from_json(obj) {
                        Ok(inp) => json!({"id": id, "output": inp.compute().output()}),
                        Err(problems) => {
                            code = 1;
                            refusal(
                                &id,
                                problems
                                    .into_iter()
                                    .map(|p| json!({"line": n, "field": p.field, "de": p.de, "en": p.en}))
                                    .collect(),
                            )
                        }
                    },
                }
            }
        };
        serde_json::to_writer(&mut *out, &result)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(code)
}
