//! VAT codes: their rate, the accounts their tax goes to, the UStVA
//! Kennzahlen they feed and the DATEV BU-Schlüssel.
//! (`../shared/spec/accounting/ustva-kennzahlen.md`, `datev-extf.md`.)

use crate::account::{AccountNo, Chart};
use crate::entry::Posting;
use crate::money::Cents;

/// kontor's tax codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaxCode {
    /// Umsatzsteuer 19 % (Kz 81).
    USt19,
    /// Umsatzsteuer 7 % (Kz 86).
    USt7,
    /// 0 % (§ 12 Abs. 3 UStG, Kz 87).
    USt0,
    /// Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b UStG, Kz 41).
    Igl,
    /// Ausfuhrlieferung (§ 4 Nr. 1a UStG, Kz 43).
    Ausfuhr,
    /// Other tax-free supplies with input-tax deduction (Kz 43).
    StFrei,
    /// Tax-free supplies without input-tax deduction (§ 4 Nr. 8–29, Kz 48).
    StFreiOhneVst,
    /// Not taxable in Germany (place of supply abroad, Kz 45).
    Nstb,
    /// B2B services to other EU countries (§ 18b, Kz 21).
    EuSlNstb,
    /// We supply, the recipient owes the tax (§ 13b Abs. 5, Kz 60).
    Rc13bLeistend,
    /// Abziehbare Vorsteuer 19 % (Kz 66).
    VSt19,
    /// Abziehbare Vorsteuer 7 % (Kz 66).
    VSt7,
    /// Innergemeinschaftlicher Erwerb 19 % (Kz 89, tax owed and deducted, Kz 61).
    Ige19,
    /// Innergemeinschaftlicher Erwerb 7 % (Kz 93 and Kz 61).
    Ige7,
    /// Steuerfreier innergemeinschaftlicher Erwerb (Kz 91).
    IgeFrei,
    /// § 13b reverse charge 19 %, we are the recipient (Kz 84/85 and Kz 67).
    Rc13b19,
    /// § 13b Abs. 1: services of EU businesses 19 % (Kz 46/47 and Kz 67).
    Rc13bEu19,
    /// Purchase with 19 % VAT that is not deductible: the tax is cost.
    NichtAbz19,
    /// Purchase with 7 % VAT that is not deductible.
    NichtAbz7,
}

/// Which side of the UStVA a code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Sales (Umsätze).
    Output,
    /// Purchases (Eingangsleistungen).
    Input,
}

pub const ALL: [TaxCode; 19] = [
    TaxCode::USt19,
    TaxCode::USt7,
    TaxCode::USt0,
    TaxCode::Igl,
    TaxCode::Ausfuhr,
    TaxCode::StFrei,
    TaxCode::StFreiOhneVst,
    TaxCode::Nstb,
    TaxCode::EuSlNstb,
    TaxCode::Rc13bLeistend,
    TaxCode::VSt19,
    TaxCode::VSt7,
    TaxCode::Ige19,
    TaxCode::Ige7,
    TaxCode::IgeFrei,
    TaxCode::Rc13b19,
    TaxCode::Rc13bEu19,
    TaxCode::NichtAbz19,
    TaxCode::NichtAbz7,
];

impl TaxCode {
    /// The code's name as in the charts and the JSONL format (`USt19`, `IGL`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TaxCode::USt19 => "USt19",
            TaxCode::USt7 => "USt7",
            TaxCode::USt0 => "USt0",
            TaxCode::Igl => "IGL",
            TaxCode::Ausfuhr => "AUSFUHR",
            TaxCode::StFrei => "STFREI",
            TaxCode::StFreiOhneVst => "STFREI_OHNE_VSt",
            TaxCode::Nstb => "NSTB",
            TaxCode::EuSlNstb => "EU_SL_NSTB",
            TaxCode::Rc13bLeistend => "RC13B_LEISTEND",
            TaxCode::VSt19 => "VSt19",
            TaxCode::VSt7 => "VSt7",
            TaxCode::Ige19 => "IGE19",
            TaxCode::Ige7 => "IGE7",
            TaxCode::IgeFrei => "IGE_FREI",
            TaxCode::Rc13b19 => "RC13B19",
            TaxCode::Rc13bEu19 => "RC13B_EU19",
            TaxCode::NichtAbz19 => "VSt19_NICHT_ABZ",
            TaxCode::NichtAbz7 => "VSt7_NICHT_ABZ",
        }
    }

    pub fn parse(s: &str) -> Option<TaxCode> {
        ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The tax rate in percent.
    pub fn rate(self) -> i64 {
        match self {
            TaxCode::USt19
            | TaxCode::VSt19
            | TaxCode::Ige19
            | TaxCode::Rc13b19
            | TaxCode::Rc13bEu19
            | TaxCode::NichtAbz19 => 19,
            TaxCode::USt7 | TaxCode::VSt7 | TaxCode::Ige7 | TaxCode::NichtAbz7 => 7,
            _ => 0,
        }
    }

    pub fn side(self) -> Side {
        match self {
            TaxCode::USt19
            | TaxCode::USt7
            | TaxCode::USt0
            | TaxCode::Igl
            | TaxCode::Ausfuhr
            | TaxCode::StFrei
            | TaxCode::StFreiOhneVst
            | TaxCode::Nstb
            | TaxCode::EuSlNstb
            | TaxCode::Rc13bLeistend => Side::Output,
            _ => Side::Input,
        }
    }

    /// The recipient owes the tax (intra-EU acquisition, § 13b): the tax is
    /// posted both as Umsatzsteuer and as Vorsteuer.
    pub fn reverse_charge(self) -> bool {
        matches!(
            self,
            TaxCode::Ige19 | TaxCode::Ige7 | TaxCode::Rc13b19 | TaxCode::Rc13bEu19
        )
    }

    /// The UStVA Kennzahl of the base (Bemessungsgrundlage), if the code has one.
    pub fn kz_base(self) -> Option<u8> {
        Some(match self {
            TaxCode::USt19 => 81,
            TaxCode::USt7 => 86,
            TaxCode::USt0 => 87,
            TaxCode::Igl => 41,
            TaxCode::Ausfuhr | TaxCode::StFrei => 43,
            TaxCode::StFreiOhneVst => 48,
            TaxCode::Nstb => 45,
            TaxCode::EuSlNstb => 21,
            TaxCode::Rc13bLeistend => 60,
            TaxCode::Ige19 => 89,
            TaxCode::Ige7 => 93,
            TaxCode::IgeFrei => 91,
            TaxCode::Rc13b19 => 84,
            TaxCode::Rc13bEu19 => 46,
            _ => return None,
        })
    }

    /// The Kennzahl of the tax owed where the form has one (pairs like 84/85).
    pub fn kz_tax_owed(self) -> Option<u8> {
        match self {
            TaxCode::Rc13b19 => Some(85),
            TaxCode::Rc13bEu19 => Some(47),
            _ => None,
        }
    }

    /// The Kennzahl of the deductible input tax.
    pub fn kz_input_tax(self) -> Option<u8> {
        match self {
            TaxCode::VSt19 | TaxCode::VSt7 => Some(66),
            TaxCode::Ige19 | TaxCode::Ige7 => Some(61),
            TaxCode::Rc13b19 | TaxCode::Rc13bEu19 => Some(67),
            _ => None,
        }
    }

    /// The DATEV BU-Schlüssel (Steuerschlüssel) where the DATEV list gives
    /// one kontor relies on; `None` means: export without a key, with the
    /// tax lines (or the account is an Automatikkonto).
    pub fn datev_key(self) -> Option<&'static str> {
        match self {
            TaxCode::USt19 => Some("3"),
            TaxCode::USt7 => Some("2"),
            TaxCode::VSt19 => Some("9"),
            TaxCode::VSt7 => Some("8"),
            TaxCode::Igl | TaxCode::StFrei | TaxCode::Ausfuhr => Some("1"),
            TaxCode::Ige19 => Some("19"),
            TaxCode::Ige7 => Some("18"),
            TaxCode::Rc13b19 => Some("94"),
            _ => None,
        }
    }

    /// The code that names the tax accounts of this one in the charts.
    fn account_code(self) -> &'static str {
        match self {
            TaxCode::Rc13bEu19 => "RC13B19",
            c => c.as_str(),
        }
    }

    /// Splits a gross amount into (net, tax), the tax rounded half away
    /// from zero to the cent.
    pub fn split_gross(self, gross: Cents) -> (Cents, Cents) {
        let tax = gross.mul_div_round(self.rate(), 100 + self.rate());
        (Cents(gross.0 - tax.0), tax)
    }

    /// The tax on a net amount (reverse charge: the invoice shows the net).
    pub fn tax_on_net(self, net: Cents) -> Cents {
        net.mul_div_round(self.rate(), 100)
    }

    /// The postings of one revenue or expense line with its tax, for a
    /// business amount as the invoice states it (gross; for reverse charge
    /// and tax-free codes the net). Revenue lines are credits, expense lines
    /// debits; the caller adds the counter posting (customer, supplier,
    /// bank) of minus their sum.
    pub fn lines(self, chart: &Chart, base_account: AccountNo, amount: Cents) -> Result<Vec<Posting>, TaxError> {
        let sign = if self.side() == Side::Output { -1 } else { 1 };
        let tax_account = |output: bool| {
            chart
                .tax_account(self.account_code(), output)
                .ok_or(TaxError::NoTaxAccount {
                    code: self,
                    chart: chart.kind.as_str(),
                })
        };
        let mut out = Vec::with_capacity(3);
        match self {
            TaxCode::USt19 | TaxCode::USt7 => {
                let (net, tax) = self.split_gross(amount);
                out.push(Posting::new(base_account, Cents(sign * net.0)).with_tax(self));
                out.push(Posting::new(tax_account(true)?, Cents(sign * tax.0)));
            }
            TaxCode::VSt19 | TaxCode::VSt7 => {
                let (net, tax) = self.split_gross(amount);
                out.push(Posting::new(base_account, net).with_tax(self));
                out.push(Posting::new(tax_account(false)?, tax));
            }
            TaxCode::Ige19 | TaxCode::Ige7 | TaxCode::Rc13b19 | TaxCode::Rc13bEu19 => {
                let tax = self.tax_on_net(amount);
                out.push(Posting::new(base_account, amount).with_tax(self));
                out.push(Posting::new(tax_account(false)?, tax));
                out.push(Posting::new(tax_account(true)?, Cents(-tax.0)));
            }
            // Non-deductible: the whole gross is cost.
            TaxCode::NichtAbz19 | TaxCode::NichtAbz7 => {
                out.push(Posting::new(base_account, amount).with_tax(self));
            }
            _ => out.push(Posting::new(base_account, Cents(sign * amount.0)).with_tax(self)),
        }
        out.retain(|p| !p.amount.is_zero());
        Ok(out)
    }
}

impl serde::Serialize for TaxCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("the chart {chart} has no tax account for {code:?}")]
    NoTaxAccount { code: TaxCode, chart: &'static str },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::account::ChartKind;

    #[test]
    fn codes_round_trip_and_split() {
        for c in ALL {
            assert_eq!(TaxCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(TaxCode::USt19.split_gross(Cents(11900)), (Cents(10000), Cents(1900)));
        assert_eq!(TaxCode::USt7.split_gross(Cents(10700)), (Cents(10000), Cents(700)));
        // 1.00 gross at 19 %: tax 0.16 (0.1597 rounded), net 0.84.
        assert_eq!(TaxCode::VSt19.split_gross(Cents(100)), (Cents(84), Cents(16)));
        assert_eq!(TaxCode::Rc13b19.tax_on_net(Cents(10000)), Cents(1900));
    }

    #[test]
    fn lines_go_to_the_charts_tax_accounts() {
        for kind in [ChartKind::Skr03, ChartKind::Skr04] {
            let chart = Chart::standard(kind);
            for c in ALL {
                let lines = c.lines(chart, AccountNo::parse("4000").unwrap(), Cents(11900)).unwrap();
                assert!(!lines.is_empty(), "{c:?}");
            }
        }
        let skr03 = Chart::standard(ChartKind::Skr03);
        let l = TaxCode::Ige19
            .lines(skr03, AccountNo::parse("3425").unwrap(), Cents(10000))
            .unwrap();
        let accounts: Vec<String> = l.iter().map(|p| p.account.to_string()).collect();
        assert_eq!(accounts, ["3425", "1574", "1774"]);
        assert_eq!(l.iter().map(|p| p.amount.0).sum::<i64>(), 10000);
    }
}
