//! Looks at a chart the way a reader does, from its SVG alone: which texts
//! it writes and where, whether any two overlap, whether any leaves the
//! canvas, and whether a legend box covers a data mark. Independent of the
//! drawing code: text boxes are estimated here from position, anchor, font
//! size and characters (CJK full-width, others 0.62 em).

/// A text element and its estimated box (left, top, right, bottom).
#[derive(Debug, Clone)]
pub struct TextBox {
    pub text: String,
    pub b: (f64, f64, f64, f64),
}

/// A drawn shape's bounding box, and what it is.
#[derive(Debug, Clone)]
pub struct Shape {
    pub tag: &'static str,
    pub fill: String,
    pub b: (f64, f64, f64, f64),
}

pub struct Svg {
    pub width: f64,
    pub height: f64,
    pub texts: Vec<TextBox>,
    pub shapes: Vec<Shape>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].to_string())
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

pub fn char_width(c: char) -> f64 {
    if c.is_ascii() {
        0.62
    } else {
        1.0
    }
}

/// The box of a text element, rotation included.
fn text_box(tag: &str, text: &str) -> (f64, f64, f64, f64) {
    let (x, y) = (num(tag, "x"), num(tag, "y"));
    let size = num(tag, "font-size");
    let w: f64 = text.chars().map(char_width).sum::<f64>() * size;
    let left = match attr(tag, "text-anchor").as_deref() {
        Some("middle") => x - w / 2.0,
        Some("end") => x - w,
        _ => x,
    };
    let top = match attr(tag, "dy").as_deref() {
        Some("0.76em") => y,
        Some("0.5ex") => y - size / 2.0,
        _ => y - size,
    };
    let b = (left, top, left + w, top + size);
    match attr(tag, "transform") {
        Some(t) if t.starts_with("rotate(") => {
            let parts: Vec<f64> = t["rotate(".len()..t.len() - 1]
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect();
            let (a, cx, cy) = (parts[0].to_radians(), parts[1], parts[2]);
            let corners = [(b.0, b.1), (b.2, b.1), (b.0, b.3), (b.2, b.3)];
            let r: Vec<(f64, f64)> = corners
                .iter()
                .map(|(px, py)| {
                    (
                        cx + (px - cx) * a.cos() - (py - cy) * a.sin(),
                        cy + (px - cx) * a.sin() + (py - cy) * a.cos(),
                    )
                })
                .collect();
            (
                r.iter().map(|p| p.0).fold(f64::MAX, f64::min),
                r.iter().map(|p| p.1).fold(f64::MAX, f64::min),
                r.iter().map(|p| p.0).fold(f64::MIN, f64::max),
                r.iter().map(|p| p.1).fold(f64::MIN, f64::max),
            )
        }
        _ => b,
    }
}

fn shape_box(name: &'static str, tag: &str) -> (f64, f64, f64, f64) {
    match name {
        "rect" => {
            let (x, y) = (num(tag, "x"), num(tag, "y"));
            (x, y, x + num(tag, "width"), y + num(tag, "height"))
        }
        "circle" => {
            let (x, y, r) = (num(tag, "cx"), num(tag, "cy"), num(tag, "r"));
            (x - r, y - r, x + r, y + r)
        }
        _ => {
            let pts: Vec<(f64, f64)> = attr(tag, "points")
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|p| {
                    let (a, b) = p.split_once(',')?;
                    Some((a.parse().ok()?, b.parse().ok()?))
                })
                .collect();
            (
                pts.iter().map(|p| p.0).fold(f64::MAX, f64::min),
                pts.iter().map(|p| p.1).fold(f64::MAX, f64::min),
                pts.iter().map(|p| p.0).fold(f64::MIN, f64::max),
                pts.iter().map(|p| p.1).fold(f64::MIN, f64::max),
            )
        }
    }
}

impl Svg {
    pub fn parse(svg: &str) -> Svg {
        let head = &svg[svg.find("<svg").expect("an <svg> element")..];
        let head = &head[..head.find('>').unwrap()];
        let mut out = Svg {
            width: num(head, "width"),
            height: num(head, "height"),
            texts: Vec::new(),
            shapes: Vec::new(),
        };
        let mut rest = svg;
        while let Some(at) = rest.find('<') {
            rest = &rest[at..];
            let end = rest.find('>').unwrap_or(rest.len() - 1);
            let tag = &rest[..=end];
            let name = tag[1..]
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or("");
            match name {
                "text" => {
                    let body = &rest[end + 1..];
                    let close = body.find("</text>").unwrap_or(0);
                    let text = unescape(body[..close].trim());
                    if !text.is_empty() {
                        let b = text_box(tag, &text);
                        out.texts.push(TextBox { text, b });
                    }
                }
                "rect" | "circle" | "polyline" | "polygon" => {
                    let tag_name: &'static str = match name {
                        "rect" => "rect",
                        "circle" => "circle",
                        "polyline" => "polyline",
                        _ => "polygon",
                    };
                    let b = if tag_name == "polygon" {
                        shape_box("polyline", tag)
                    } else {
                        shape_box(tag_name, tag)
                    };
                    out.shapes.push(Shape {
                        tag: tag_name,
                        fill: attr(tag, "fill").unwrap_or_default().to_uppercase(),
                        b,
                    });
                }
                _ => {}
            }
            rest = &rest[end + 1..];
        }
        out
    }
}

/// Overlap of the interiors, with half a pixel of tolerance on each side.
pub fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    let t = 0.5;
    a.0 + t < b.2 - t && b.0 + t < a.2 - t && a.1 + t < b.3 - t && b.1 + t < a.3 - t
}

fn inside(a: (f64, f64, f64, f64), outer: (f64, f64, f64, f64)) -> bool {
    a.0 >= outer.0 - 0.5 && a.1 >= outer.1 - 0.5 && a.2 <= outer.2 + 0.5 && a.3 <= outer.3 + 0.5
}

/// Everything a reader would object to in `svg`, as sentences; `expected`
/// are texts that must each appear in some text element; `legend_fill` is
/// the fill (e.g. `#FBFBFB`) that marks legend boxes.
pub fn problems(svg: &str, expected: &[String], legend_fill: &str) -> Vec<String> {
    let s = Svg::parse(svg);
    let mut out = Vec::new();
    for want in expected {
        if !s.texts.iter().any(|t| t.text.contains(want.as_str())) {
            out.push(format!("label {want:?} is missing"));
        }
    }
    for (i, a) in s.texts.iter().enumerate() {
        for b in &s.texts[i + 1..] {
            if overlap(a.b, b.b) {
                out.push(format!(
                    "texts {:?} {:?} and {:?} {:?} overlap",
                    a.text, a.b, b.text, b.b
                ));
            }
        }
        if !inside(a.b, (0.0, 0.0, s.width, s.height)) {
            out.push(format!(
                "text {:?} {:?} leaves the {}×{} canvas",
                a.text, a.b, s.width, s.height
            ));
        }
    }
    let fill = legend_fill.to_uppercase();
    let legends: Vec<_> = s
        .shapes
        .iter()
        .filter(|x| x.tag == "rect" && x.fill == fill)
        .map(|x| x.b)
        .collect();
    let canvas = (0.0, 0.0, s.width, s.height);
    for l in &legends {
        for m in &s.shapes {
            let background = m.tag == "rect" && inside(canvas, m.b);
            if background || inside(m.b, *l) || m.fill == fill {
                continue;
            }
            if overlap(m.b, *l) {
                out.push(format!("the legend {l:?} covers a {} at {:?}", m.tag, m.b));
            }
        }
        for t in &s.texts {
            if !inside(t.b, *l) && overlap(t.b, *l) {
                out.push(format!("the legend {l:?} covers the text {:?}", t.text));
            }
        }
    }
    out
}

/// The inline SVG of chart `id` in a dashboard page.
pub fn chart_svg<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("<figure id=\"chart-{id}\""))
        .unwrap_or_else(|| panic!("chart {id} missing"));
    let fig = &page[at..];
    let start = fig.find("<svg").unwrap();
    let end = fig.find("</svg>").unwrap() + "</svg>".len();
    &fig[start..end]
}

/// The texts of a chart, in document order.
pub fn texts(svg: &str) -> Vec<TextBox> {
    Svg::parse(svg).texts
}

/// A check of the checker on made-up SVG: it must see what it claims to.
pub fn self_check() {
    let svg = r##"<svg width="100" height="50" viewBox="0 0 100 50">
<rect x="0" y="0" width="100" height="50" fill="#FFFFFF"/>
<rect x="60" y="0" width="40" height="20" fill="#FBFBFB"/>
<circle cx="60" cy="10" r="3" fill="#1B9E77"/>
<text x="10" y="10" dy="0.76em" text-anchor="start" font-size="10">
广东
</text>
<text x="25" y="10" dy="0.76em" text-anchor="start" font-size="10">
2025Q4
</text>
<text x="95" y="40" dy="0.76em" text-anchor="start" font-size="10">
x
</text>
<text x="40" y="30" dy="0.5ex" text-anchor="end" font-size="10" transform="rotate(270, 40, 30)">
ab
</text>
</svg>"##;
    let p = problems(svg, &["广东".into(), "西藏".into()], "#fbfbfb");
    let has = |s: &str| p.iter().any(|x| x.contains(s));
    assert!(has("\"西藏\" is missing"), "{p:?}");
    assert!(!has("\"广东\" is missing"), "{p:?}");
    // 广东: 0..20 wide from x = 10, so it reaches 30 and meets 2025Q4 at 25.
    assert!(has("texts \"广东\""), "{p:?}");
    assert!(has("\"x\"") && has("leaves the"), "{p:?}");
    assert!(has("covers a circle"), "{p:?}");
    // Turned text: 12.4 wide, 10 high before turning; after it stands upright
    // from y = 30 down to 42.4, x from 35 to 45.
    let t = texts(svg);
    let ab = t.iter().find(|t| t.text == "ab").unwrap().b;
    assert!(
        (ab.0 - 35.0).abs() < 1e-9 && (ab.1 - 30.0).abs() < 1e-9 && (ab.3 - 42.4).abs() < 1e-9,
        "{ab:?}"
    );
}
