//! A page as a list of drawing operations (text runs, filled rectangles, the logo) in
//! PDF points from the top left, y growing downwards as krilla takes them; and the few
//! helpers that add to it.

use crate::text::{Run, Weight};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Colour(pub(crate) u8, pub(crate) u8, pub(crate) u8);

pub(crate) const INK: Colour = Colour(28, 28, 32);
pub(crate) const MUTED: Colour = Colour(104, 104, 112);
pub(crate) const RULE: Colour = Colour(220, 220, 226);
pub(crate) const BAND: Colour = Colour(243, 243, 246);

#[derive(Copy, Clone, Debug)]
pub(crate) struct Style {
    pub(crate) weight: Weight,
    pub(crate) size: f32,
    pub(crate) colour: Colour,
}

impl Style {
    pub(crate) const fn new(weight: Weight, size: f32, colour: Colour) -> Style {
        Style {
            weight,
            size,
            colour,
        }
    }

    pub(crate) fn leading(&self) -> f32 {
        self.size * 1.32
    }
}

/// One thing to draw.
#[derive(Debug)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        run: Run,
        weight: Weight,
        size: f32,
        colour: Colour,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        colour: Colour,
    },
    Logo {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

impl Op {
    pub(crate) fn moved_down(mut self, by: f32) -> Op {
        match &mut self {
            Op::Text { baseline, .. } => *baseline += by,
            Op::Rect { y, .. } | Op::Logo { y, .. } => *y += by,
        }
        self
    }
}

#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

impl Page {
    pub(crate) fn text(&mut self, x: f32, baseline: f32, run: Run, style: Style) {
        if run.is_empty() {
            return;
        }
        self.ops.push(Op::Text {
            x,
            baseline,
            run,
            weight: style.weight,
            size: style.size,
            colour: style.colour,
        });
    }

    pub(crate) fn text_right(&mut self, right: f32, baseline: f32, run: Run, style: Style) {
        let x = right - run.width(style.size);
        self.text(x, baseline, run, style);
    }

    /// Lines one below the other from `top`; returns the y under the last one.
    pub(crate) fn lines(&mut self, x: f32, top: f32, runs: Vec<Run>, style: Style) -> f32 {
        let mut y = top;
        for run in runs {
            self.text(x, y + style.size, run, style);
            y += style.leading();
        }
        y
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Colour) {
        self.ops.push(Op::Rect {
            x,
            y,
            width,
            height,
            colour,
        });
    }

    pub(crate) fn rule(&mut self, x: f32, y: f32, width: f32) {
        self.rect(x, y, width, 0.75, RULE);
    }
}
