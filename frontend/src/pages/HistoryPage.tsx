import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { JobPublic } from "../api/types";
import { Alert } from "../components/Alert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { HistoryList } from "../components/HistoryList";
import { Pagination } from "../components/Pagination";
import { HISTORY_PAGE_SIZE, useDeleteJob, useJobs } from "../hooks/useJobs";
import { jobTitle } from "../lib/format";

const SEARCH_DELAY_MS = 300;

export function HistoryPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [search, setSearch] = useState(q);
  const [toDelete, setToDelete] = useState<JobPublic | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const jobs = useJobs({ page, q });
  const remove = useDeleteJob();

  // The search box updates the address (and so the query) once typing pauses.
  useEffect(() => {
    if (search.trim() === q) return;
    const timer = setTimeout(
      () => setParams(search.trim() ? { q: search.trim() } : {}, { replace: true }),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [search, q, setParams]);

  const count = jobs.data?.count ?? 0;
  const pageCount = Math.max(1, Math.ceil(count / HISTORY_PAGE_SIZE));

  // Deleting the last row of the last page: step back a page.
  useEffect(() => {
    if (jobs.data && page > pageCount) setPage(pageCount);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobs.data, page, pageCount]);

  function setPage(next: number) {
    const nextParams: Record<string, string> = {};
    if (q) nextParams.q = q;
    if (next > 1) nextParams.page = String(next);
    setParams(nextParams);
  }

  async function confirmDelete() {
    if (!toDelete) return;
    const title = jobTitle(toDelete);
    try {
      await remove.mutateAsync(toDelete.id);
      setNotice(`Deleted “${title}”.`);
    } catch (e) {
      setNotice(null);
      setDeleteError(`“${title}” could not be deleted: ${(e as Error).message}`);
    }
    setToDelete(null);
  }

  return (
    <div className="page">
      <div className="page-title-row">
        <h1>History</h1>
        <Link to="/" className="button-primary">
          New transcription
        </Link>
      </div>

      <form className="search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="history-search">Search your transcriptions</label>
        <input
          id="history-search"
          type="search"
          value={search}
          placeholder="Title or file name"
          onChange={(e) => {
            setSearch(e.target.value);
            setNotice(null);
          }}
        />
      </form>

      {notice && <Alert tone="success">{notice}</Alert>}
      {deleteError && <Alert>{deleteError}</Alert>}

      {jobs.isPending ? (
        <p className="muted" role="status">
          Loading your transcriptions…
        </p>
      ) : jobs.isError ? (
        <Alert>Your history could not be loaded: {jobs.error.message}</Alert>
      ) : jobs.data.data.length === 0 ? (
        <p className="empty">
          {q ? (
            <>No transcriptions match “{q}”.</>
          ) : (
            <>
              No transcriptions yet. <Link to="/">Upload a recording</Link> to make your first.
            </>
          )}
        </p>
      ) : (
        <>
          <p className="muted result-count" aria-live="polite">
            {count} transcription{count === 1 ? "" : "s"}
            {q && <> matching “{q}”</>}
          </p>
          <HistoryList
            jobs={jobs.data.data}
            onDelete={(job) => {
              setDeleteError(null);
              setToDelete(job);
            }}
          />
          <Pagination page={page} pageCount={pageCount} onPage={setPage} />
        </>
      )}

      {toDelete && (
        <ConfirmDialog
          title="Delete this transcription?"
          confirmLabel="Delete"
          busy={remove.isPending}
          onConfirm={confirmDelete}
          onCancel={() => setToDelete(null)}
        >
          <p>“{jobTitle(toDelete)}” and its MIDI, score and audio will be deleted. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
