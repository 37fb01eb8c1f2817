#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Regenerate the synthetic sample paper(s) in papers/.

The paper text below is original prose written for the geocorpus sample
collection and is licensed CC-BY-4.0 (geocorpus contributors). The study
area and all numbers are fictional; the reference list cites real,
published literature.

Requirements (build-time only, not a geocorpus runtime dependency):
    pip install "fpdf2>=2.7" pypdf

Usage:
    python make_pdfs.py            # writes papers/*.pdf and checks the text layer
"""
import os
import re
import sys
from datetime import datetime, timezone

from fpdf import FPDF, FontFace

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "papers")

SHY = "\u00ad"  # soft hyphen: fpdf2 breaks here and prints "-" at line end
HYPHENATE = {
    "groundwater": "ground" + SHY + "water",
    "evapotranspiration": "evapo" + SHY + "trans" + SHY + "pira" + SHY + "tion",
    "representativeness": "repre" + SHY + "sen" + SHY + "ta" + SHY + "tive" + SHY + "ness",
    "hydrogeological": "hydro" + SHY + "geo" + SHY + "logi" + SHY + "cal",
    "interpolation": "inter" + SHY + "po" + SHY + "la" + SHY + "tion",
    "precipitation": "pre" + SHY + "cipi" + SHY + "tation",
    "uncertainties": "un" + SHY + "cer" + SHY + "tain" + SHY + "ties",
    "observations": "obser" + SHY + "va" + SHY + "tions",
    "unconfined": "un" + SHY + "con" + SHY + "fined",
    "seasonal": "sea" + SHY + "sonal",
    "monitoring": "moni" + SHY + "tor" + SHY + "ing",
    "decomposition": "de" + SHY + "com" + SHY + "po" + SHY + "si" + SHY + "tion",
    "infiltration": "in" + SHY + "fil" + SHY + "tra" + SHY + "tion",
    "irrigation": "ir" + SHY + "ri" + SHY + "ga" + SHY + "tion",
}


def hyph(text):
    def rep(m):
        w = m.group(0)
        h = HYPHENATE.get(w.lower())
        if h is None:
            return w
        return (h[0].upper() + h[1:]) if w[0].isupper() else h
    return re.sub(r"[A-Za-z]+", rep, text)


PAPER = {
    "file": "grace_wells_recharge_case_study.pdf",
    "running_head": "Recharge from GRACE and wells - synthetic case study",
    "title": "Groundwater recharge estimation from GRACE and in-situ wells: "
             "a case study of the Lower Varenne Basin",
    "authors": "A. Moreau, K. Osei, L. Fernandez and the geocorpus contributors",
    "affil": "Synthetic paper written for the geocorpus sample collection (2026). "
             "The Lower Varenne Basin, the author names and all data reported here are fictional.",
    "abstract": (
        "Reliable estimates of groundwater recharge are needed to manage aquifers "
        "under growing irrigation demand, yet point methods based on wells and "
        "basin-scale satellite gravimetry are rarely reconciled. We combine monthly "
        "terrestrial water storage anomalies from the GRACE and GRACE Follow-On "
        "missions with a network of 214 observation wells in the Lower Varenne "
        "Basin, a 176,000 km2 semi-arid sedimentary basin, for the period 2004-2023. "
        "Groundwater storage anomalies were isolated from GRACE by subtracting "
        "modelled soil moisture, snow and surface-water storage, and recharge was "
        "derived from seasonal storage rises with the water-table fluctuation "
        "method applied to both data sets. Basin-averaged groundwater storage from "
        "GRACE and from wells scaled by a calibrated specific yield of 0.071 agree "
        "closely at the monthly scale (r = 0.81, RMSE = 21 mm). Mean annual recharge "
        "is 94 +/- 27 mm/yr from wells and 103 +/- 41 mm/yr from GRACE. Both data "
        "sets show a long-term storage decline of 5.8 to 6.4 mm/yr, concentrated in "
        "the irrigated eastern sub-basin. We discuss the sensitivity of the results "
        "to the choice of specific yield, the leakage correction of the GRACE "
        "solution and the spatial representativeness of the well network."
    ),
    "keywords": "groundwater recharge; GRACE; water-table fluctuation method; "
                "specific yield; semi-arid aquifers",
    "sections": [
        ("1. Introduction", [
            "Groundwater supplies a large and increasing share of irrigation water in "
            "semi-arid regions, and the sustainability of pumping ultimately depends on "
            "recharge, the flux of water that reaches the water table (Scanlon et al., "
            "2002). Recharge is difficult to measure directly. Point methods such as "
            "lysimeters, tracer profiles in the unsaturated zone or the water-table "
            "fluctuation (WTF) method characterise a few square metres to a few square "
            "kilometres, whereas water-resource decisions are taken for entire basins. "
            "Upscaling point estimates requires assumptions about the spatial "
            "variability of soils, land use and aquifer properties that are seldom "
            "tested.",
            "Since 2002 the Gravity Recovery and Climate Experiment (GRACE) and, from "
            "2018, GRACE Follow-On have provided monthly estimates of changes in total "
            "terrestrial water storage (TWS) over regions larger than roughly 150,000 "
            "to 200,000 km2 (Tapley et al., 2004; Landerer et al., 2020). When the "
            "contributions of soil moisture, snow and surface water are removed, the "
            "residual can be interpreted as a groundwater storage anomaly (GWSA), an "
            "approach that has revealed rapid depletion in several major aquifers "
            "(Rodell et al., 2009; Famiglietti, 2014). Fewer studies have used GRACE to "
            "estimate recharge itself, because recharge is a gross inflow while GRACE "
            "observes the net result of inflows and outflows.",
            "In this study we ask whether the seasonal rise of groundwater storage seen "
            "by GRACE is consistent with recharge estimated from a dense network of "
            "monitoring wells in the Lower Varenne Basin. Specifically, we (i) derive "
            "basin-averaged groundwater storage from both data sources, (ii) calibrate "
            "an effective specific yield that reconciles them, and (iii) compare "
            "recharge estimates and long-term trends between the two methods.",
        ]),
        ("2. Study area", [
            "The Lower Varenne Basin covers 176,000 km2 of a low-relief sedimentary "
            "basin filled with up to 900 m of Neogene fluvial sands, gravels and "
            "lacustrine clays. The upper 60 to 120 m form an unconfined aquifer that is "
            "hydraulically connected to the main river; a deeper confined sandstone "
            "aquifer is separated from it by a discontinuous clay aquitard. Mean annual "
            "precipitation decreases from 610 mm in the western uplands to 330 mm in "
            "the eastern plain, with 70 percent falling between November and March. "
            "Potential evapotranspiration exceeds 1,300 mm/yr throughout the basin. "
            "Irrigated cropland expanded from 9 to 17 percent of the basin area between "
            "2004 and 2023, almost entirely in the eastern sub-basin, where pumping from "
            "the unconfined aquifer supplies about 80 percent of irrigation water.",
        ]),
        ("3. Data and methods", [
            "3.1 GRACE groundwater storage. We used the JPL RL06.3 mascon solution "
            "(Watkins et al., 2015) with its gain factors applied to limit signal "
            "leakage across the basin boundary (Landerer and Swenson, 2012). Monthly "
            "TWS anomalies relative to the 2004-2009 mean were averaged over the basin "
            "with area weights. Soil moisture (0-2 m), snow water equivalent and canopy "
            "water were taken from an ensemble of three land surface models of the "
            "Global Land Data Assimilation System (Rodell et al., 2004); reservoir and "
            "river storage were estimated from altimetry-derived water levels and "
            "reservoir hypsometry. The groundwater anomaly was computed as GWSA = TWSA "
            "- SMSA - SWEA - SWSA, and its uncertainty was propagated assuming "
            "independent errors. The 11-month gap between the two missions was left "
            "unfilled.",
            "3.2 Well observations. The national monitoring network provided 214 wells "
            "screened in the unconfined aquifer with at least 15 years of data and no "
            "gap longer than six months. Levels affected by recent pumping, identified "
            "by drawdown spikes exceeding three median absolute deviations, were "
            "removed, and the series were aggregated to monthly means. Basin-averaged "
            "head anomalies were computed with Thiessen polygon weights, and also with "
            "ordinary kriging interpolation as a check; the two weightings differed by "
            "less than 4 mm in storage terms. Head anomalies were converted to storage "
            "anomalies by multiplying with a specific yield Sy.",
            "3.3 Specific yield calibration. Published pumping tests give Sy values "
            "between 0.03 and 0.18 for the unconfined aquifer. Rather than adopting a "
            "single laboratory value, we estimated an effective basin-scale Sy by "
            "minimising the squared difference between detrended, deseasonalised "
            "GRACE GWSA and Sy times the well head anomaly. Confidence bounds were "
            "obtained from a block bootstrap with 12-month blocks.",
            "3.4 Recharge estimation. Following Healy and Cook (2002), recharge in each "
            "hydrological year (October to September) was estimated as R = Sy dH, where "
            "dH is the rise of the water table between the seasonal minimum and maximum "
            "plus the extrapolated recession that would have occurred without "
            "recharge. The same procedure was applied to the GRACE GWSA series, "
            "substituting storage for Sy dH. Long-term trends were computed with the "
            "Theil-Sen estimator (Sen, 1968), and a seasonal decomposition separated "
            "trend, annual cycle and residual.",
        ]),
        ("4. Results", [
            "4.1 Storage anomalies. After removal of soil moisture and surface water, "
            "GRACE GWSA show a pronounced annual cycle with an average amplitude of 38 "
            "mm, peaking in April, one to two months after the precipitation maximum. "
            "The calibrated effective specific yield is 0.071 (95 percent interval "
            "0.058 to 0.086), close to the median of the pumping-test values. With this "
            "value, well-derived and GRACE-derived storage anomalies agree well "
            "(Figure 1): the monthly correlation is 0.81 and the RMSE 21 mm, which is "
            "smaller than the mean GRACE GWSA uncertainty of 26 mm.",
            "4.2 Recharge. Annual recharge estimates are summarised in Table 1. Over the "
            "full period, wells give a mean recharge of 94 mm/yr and GRACE 103 mm/yr, "
            "equivalent to 19 and 21 percent of basin precipitation. The year-to-year "
            "pattern is consistent: both methods identify the wet years 2010 and 2019 "
            "as the largest recharge events and the drought of 2021-2022 as the "
            "smallest. GRACE estimates are systematically larger in wet years, which we "
            "attribute partly to rapid recharge through river losses and irrigation "
            "return flow that is not captured by wells located away from the river "
            "corridors.",
            "4.3 Long-term trend. Both data sets show declining storage: -6.4 +/- 1.1 "
            "mm/yr from GRACE and -5.8 +/- 0.9 mm/yr from wells, corresponding to a "
            "loss of 1.0 to 1.1 km3 per year. Disaggregating the well network shows "
            "that 85 percent of the decline occurs in the eastern sub-basin, where "
            "mean heads fell by 1.6 m per decade, while heads in the western uplands "
            "show no significant trend.",
        ]),
        ("5. Discussion", [
            "The close agreement between the two independent storage estimates "
            "supports the use of an effective, basin-scale specific yield calibrated "
            "against GRACE. This value should not be interpreted as a physical property "
            "of any single layer: it absorbs the effects of partial confinement, of "
            "delayed drainage from fine-grained layers and of the uneven spatial "
            "distribution of wells. Varying Sy across its 95 percent interval changes "
            "the well-based recharge by -18 to +21 percent, which is the dominant "
            "source of uncertainty in the WTF estimates.",
            "GRACE-based recharge carries its own uncertainties. The basin is only "
            "slightly larger than the effective resolution of the mascon solution, so "
            "leakage from the wetter mountains to the north could inflate the seasonal "
            "amplitude; the gain factors partly correct for this. Errors in modelled "
            "soil moisture propagate directly into GWSA, and the spread between the "
            "three land surface models (13 mm on average) is half of the total GWSA "
            "uncertainty. Finally, recharge derived from storage rises represents net "
            "recharge during the wet season and underestimates gross recharge wherever "
            "pumping or evapotranspiration from shallow water tables continues during "
            "recharge events.",
            "Despite these limitations, the results indicate that the aquifer receives "
            "on the order of 100 mm/yr of recharge but loses storage at about 6 mm/yr "
            "because abstraction in the east exceeds local recharge. Management "
            "measures should therefore target the eastern sub-basin, where the well "
            "network is also densest and can serve as an early-warning system.",
        ]),
        ("6. Conclusions", [
            "GRACE groundwater storage anomalies and well observations scaled with a "
            "calibrated specific yield of 0.071 agree within their uncertainties in the "
            "Lower Varenne Basin. Both methods give mean recharge of about 100 mm/yr "
            "and a storage decline of about 6 mm/yr for 2004-2023. Combining the two "
            "data sources constrains the specific yield, reduces the uncertainty of "
            "recharge estimates and links local well observations to basin-scale "
            "water budgets. The approach is transferable to other basins larger than "
            "about 150,000 km2 with adequate long-term monitoring.",
        ]),
    ],
    "table": {
        "caption": "Table 1. Annual recharge (mm/yr) estimated with the water-table "
                   "fluctuation method from wells (Sy = 0.071) and from GRACE GWSA, "
                   "selected hydrological years and period mean.",
        "header": ["Hydrological year", "Precipitation", "Wells (WTF)", "GRACE", "Difference"],
        "rows": [
            ["2005", "455", "88", "97", "+9"],
            ["2010", "598", "161", "187", "+26"],
            ["2014", "402", "71", "74", "+3"],
            ["2019", "571", "149", "172", "+23"],
            ["2022", "298", "32", "29", "-3"],
            ["2004-2023 mean", "486", "94 +/- 27", "103 +/- 41", "+9"],
        ],
    },
    "figure_caption": "Figure 1. Basin-averaged groundwater storage anomalies (mm) from "
                      "GRACE/GRACE-FO (dark line) and from 214 wells scaled with Sy = 0.071 "
                      "(light line), 2004-2023. The gap in 2017-2018 separates the two "
                      "missions. Schematic redrawing of the synthetic series.",
    "acknowledgements": "This is a synthetic paper produced for testing text extraction "
                        "in the geocorpus toolkit. It contains no real measurements.",
    "references": [
        "Famiglietti, J. S. (2014). The global groundwater crisis. Nature Climate Change, 4, 945-948.",
        "Healy, R. W., and Cook, P. G. (2002). Using groundwater levels to estimate recharge. "
        "Hydrogeology Journal, 10, 91-109.",
        "Landerer, F. W., and Swenson, S. C. (2012). Accuracy of scaled GRACE terrestrial water "
        "storage estimates. Water Resources Research, 48, W04531.",
        "Landerer, F. W., Flechtner, F. M., Save, H., et al. (2020). Extending the global mass "
        "change data record: GRACE Follow-On instrument and science data performance. "
        "Geophysical Research Letters, 47, e2020GL088306.",
        "Rodell, M., Houser, P. R., Jambor, U., et al. (2004). The Global Land Data Assimilation "
        "System. Bulletin of the American Meteorological Society, 85, 381-394.",
        "Rodell, M., Velicogna, I., and Famiglietti, J. S. (2009). Satellite-based estimates of "
        "groundwater depletion in India. Nature, 460, 999-1002.",
        "Scanlon, B. R., Healy, R. W., and Cook, P. G. (2002). Choosing appropriate techniques "
        "for quantifying groundwater recharge. Hydrogeology Journal, 10, 18-39.",
        "Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau. "
        "Journal of the American Statistical Association, 63, 1379-1389.",
        "Tapley, B. D., Bettadpur, S., Watkins, M., and Reigber, C. (2004). The gravity recovery "
        "and climate experiment: Mission overview and early results. Geophysical Research "
        "Letters, 31, L09607.",
        "Watkins, M. M., Wiese, D. N., Yuan, D.-N., Boening, C., and Landerer, F. W. (2015). "
        "Improved methods for observing Earth's time variable mass distribution with GRACE "
        "using spherical cap mascons. Journal of Geophysical Research: Solid Earth, 120, 2648-2671.",
    ],
}


def synthetic_series():
    """Deterministic pseudo-data for the schematic figure (no RNG dependency)."""
    import math
    grace, wells = [], []
    for m in range(240):
        t = m / 12.0
        season = 38 * math.cos(2 * math.pi * (m % 12 - 6) / 12)
        wet = 45 * math.exp(-((t - 6.3) ** 2) / 0.2) + 40 * math.exp(-((t - 15.3) ** 2) / 0.2)
        dry = -35 * math.exp(-((t - 18.0) ** 2) / 0.6)
        base = 30 - 6.2 * t + season + wet + dry
        wiggle = 6 * math.sin(1.7 * m) + 4 * math.cos(0.9 * m)
        g = None if 162 <= m < 173 else base + wiggle
        w = base * 0.93 + 5 * math.sin(1.3 * m + 0.4)
        grace.append(g)
        wells.append(w)
    return grace, wells


class Paper(FPDF):
    def __init__(self, running_head):
        super().__init__(format="A4", unit="mm")
        self.running_head = running_head
        self.set_margins(22, 24, 22)
        self.set_auto_page_break(True, margin=22)
        self.set_title(PAPER["title"])
        self.set_author(PAPER["authors"])
        self.set_subject("Synthetic sample paper, CC-BY-4.0, geocorpus contributors")
        self.set_keywords(PAPER["keywords"])
        self.set_creator("geocorpus make_pdfs.py (fpdf2)")
        # fixed date so that re-running the script gives a stable file
        self.set_creation_date(datetime(2026, 11, 21, tzinfo=timezone.utc))

    def header(self):
        self.set_font("Helvetica", "I", 8.5)
        self.set_text_color(90, 90, 90)
        self.set_y(11)
        self.cell(0, 5, self.running_head, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, "Geocorpus Sample Papers 1 (2026)", align="R")
        self.line(self.l_margin, 16.5, self.w - self.r_margin, 16.5)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"{self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def para(self, text, size=10.5, style=""):
        self.set_font("Times", style, size)
        self.multi_cell(0, 5.2, hyph(text), align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(1.8)

    def heading(self, text):
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_font("Helvetica", "B", 11.5)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(0.5)

    def figure(self, caption):
        grace, wells = synthetic_series()
        x0, w, h = self.l_margin + 12, self.w - self.l_margin - self.r_margin - 16, 52
        if self.get_y() + h + 24 > self.h - self.b_margin:
            self.add_page()
        y0 = self.get_y() + 2
        vals = [v for v in grace + wells if v is not None]
        lo, hi = min(vals) - 5, max(vals) + 5
        self.set_draw_color(0, 0, 0)
        self.rect(x0, y0, w, h)
        self.set_font("Helvetica", "", 7)
        for tick in range(-150, 151, 50):
            if lo <= tick <= hi:
                yy = y0 + h - (tick - lo) / (hi - lo) * h
                self.line(x0 - 1.2, yy, x0, yy)
                self.set_xy(x0 - 11, yy - 1.5)
                self.cell(9.5, 3, str(tick), align="R")
        for yr in range(2004, 2025, 4):
            xx = x0 + (yr - 2004) / 20 * w
            self.line(xx, y0 + h, xx, y0 + h + 1.2)
            self.set_xy(xx - 5, y0 + h + 1.5)
            self.cell(10, 3, str(yr), align="C")

        def plot(series, gray, width):
            self.set_draw_color(gray, gray, gray)
            self.set_line_width(width)
            prev = None
            for i, v in enumerate(series):
                if v is None:
                    prev = None
                    continue
                pt = (x0 + i / 240 * w, y0 + h - (v - lo) / (hi - lo) * h)
                if prev:
                    self.line(prev[0], prev[1], pt[0], pt[1])
                prev = pt
        plot(wells, 165, 0.35)
        plot(grace, 20, 0.35)
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        self.set_y(y0 + h + 6)
        self.set_font("Times", "I", 9.5)
        self.multi_cell(0, 4.6, caption, align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def data_table(self, spec):
        if self.get_y() + 60 > self.h - self.b_margin:
            self.add_page()
        self.set_font("Times", "I", 9.5)
        self.multi_cell(0, 4.6, spec["caption"], align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font("Times", "", 9.5)
        with self.table(text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                        col_widths=(34, 24, 24, 24, 20), line_height=5.2,
                        borders_layout="HORIZONTAL_LINES",
                        headings_style=FontFace(emphasis="BOLD")) as table:
            for row in [spec["header"]] + spec["rows"]:
                r = table.row()
                for cell in row:
                    r.cell(cell)
        self.ln(4)


def build(spec, out_path):
    pdf = Paper(spec["running_head"])
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 7.5, spec["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Times", "", 11)
    pdf.multi_cell(0, 5.5, spec["authors"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "I", 9.5)
    pdf.multi_cell(0, 4.8, spec["affil"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Abstract", new_x="LMARGIN", new_y="NEXT")
    pdf.para(spec["abstract"], size=10)
    pdf.set_font("Times", "B", 10)
    pdf.multi_cell(0, 5, "Keywords: " + spec["keywords"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for title, paras in spec["sections"]:
        pdf.heading(title)
        for p in paras:
            pdf.para(p)
        if title.startswith("4."):
            pdf.figure(spec["figure_caption"])
            pdf.data_table(spec["table"])
    pdf.heading("Acknowledgements")
    pdf.para(spec["acknowledgements"])
    pdf.heading("References")
    pdf.set_font("Times", "", 9.5)
    for ref in spec["references"]:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(0, 4.6, ref, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    pdf.output(out_path)
    return pdf.pages_count


def check(path):
    """Every page must have a readable text layer."""
    from pypdf import PdfReader
    reader = PdfReader(path)
    hyphen_breaks = 0
    for i, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        words = re.findall(r"[A-Za-z]{3,}", text)
        assert len(words) > 50, f"page {i} has too little text ({len(words)} words)"
        hyphen_breaks += len(re.findall(r"[a-z]-\n[a-z]", text))
    assert hyphen_breaks > 0, "expected at least one word hyphenated across a line end"
    print(f"{os.path.relpath(path, HERE)}: {len(reader.pages)} pages, text layer OK, "
          f"{hyphen_breaks} line-end hyphenations")


if __name__ == "__main__":
    os.makedirs(OUT_DIR, exist_ok=True)
    out = os.path.join(OUT_DIR, PAPER["file"])
    build(PAPER, out)
    if "--no-check" not in sys.argv:
        check(out)
