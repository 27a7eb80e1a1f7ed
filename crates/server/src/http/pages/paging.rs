//! Pagination of every long list on the pages (console, operator, org administration, org
//! audit events): one [`Pager`] and one template, `pager.html`.
//!
//! Two ways to page: [`paginate`] cuts a list held in memory into numbered pages (`?page=N`,
//! 20 rows each); [`Pager::cursor`] serves a log read page by page from storage (the audit
//! events), where the next page is "older than the last row shown" and only "newest" and "older"
//! links make sense. Both end in the same links, so the template knows nothing of the difference.

use serde::Serialize;

/// Rows per page of every list.
pub const PAGE_SIZE: usize = 20;

/// One page of a list and the links around it, as `pager.html` shows them (nothing when there
/// is neither a previous nor a next page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pager {
    /// 1-based page number (0 for a cursor-paged list, which does not count pages).
    pub page: usize,
    /// Number of pages (at least 1; 0 for a cursor-paged list).
    pub pages: usize,
    /// Rows in all (0 for a cursor-paged list).
    pub total: usize,
    /// The previous page's URL.
    pub prev: Option<String>,
    /// The next page's URL.
    pub next: Option<String>,
    /// i18n key of the previous-page link.
    pub prev_label: &'static str,
    /// i18n key of the next-page link.
    pub next_label: &'static str,
}

impl Pager {
    /// The links of a cursor-paged list: `first` back to the newest rows (when this is not
    /// the first page), `older` to the next page (when there is one).
    pub fn cursor(first: Option<String>, older: Option<String>) -> Self {
        Self {
            page: 0,
            pages: 0,
            total: 0,
            prev: first,
            next: older,
            prev_label: "newest_page",
            next_label: "older_page",
        }
    }
}

/// A URL with its query: `base` (which may hold a query already) plus `key=value` pairs,
/// percent-encoded; pairs with an empty value are left out.
pub fn link(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        q.append_pair(k, v);
    }
    let q = q.finish();
    match (q.is_empty(), base.contains('?')) {
        (true, _) => base.to_owned(),
        (false, true) => format!("{base}&{q}"),
        (false, false) => format!("{base}?{q}"),
    }
}

/// Cuts `items` to page `raw` (`?page=`; anything unparsable is page 1, past the end is the
/// last page); the links go to `base?page=N`.
pub fn paginate<T>(items: Vec<T>, raw: Option<&str>, base: &str) -> (Vec<T>, Pager) {
    let total = items.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = raw
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows = items
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let to = |n: usize| link(base, &[("page", &n.to_string())]);
    let pager = Pager {
        page,
        pages,
        total,
        prev: (page > 1).then(|| to(page - 1)),
        next: (page < pages).then(|| to(page + 1)),
        prev_label: "prev_page",
        next_label: "next_page",
    };
    (rows, pager)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cut_and_clamp() {
        let (rows, p) = paginate((0..45).collect::<Vec<_>>(), Some("3"), "/x");
        assert_eq!(
            (rows, p.page, p.pages, p.total),
            (vec![40, 41, 42, 43, 44], 3, 3, 45)
        );
        assert_eq!(
            (p.prev.as_deref(), p.next.as_deref()),
            (Some("/x?page=2"), None)
        );
        let (rows, p) = paginate((0..45).collect::<Vec<_>>(), Some("x"), "/x");
        assert_eq!((rows.len(), p.page), (20, 1));
        assert_eq!(
            (p.prev.as_deref(), p.next.as_deref()),
            (None, Some("/x?page=2"))
        );
        let (rows, p) = paginate((0..45).collect::<Vec<_>>(), Some("99"), "/x");
        assert_eq!((rows.len(), p.page), (5, 3));
        let (rows, p) = paginate(Vec::<u8>::new(), Some("0"), "/x");
        assert_eq!((rows.len(), p.page, p.pages), (0, 1, 1));
        assert_eq!((p.prev, p.next), (None, None));
    }

    #[test]
    fn links_keep_their_query_and_encode() {
        assert_eq!(link("/a", &[]), "/a");
        assert_eq!(link("/a", &[("kind", ""), ("page", "2")]), "/a?page=2");
        assert_eq!(
            link("/a?kind=x", &[("cursor", "1 2&")]),
            "/a?kind=x&cursor=1+2%26"
        );
    }
}
