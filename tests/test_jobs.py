import time

from core import jobs
from core.errors import MedLensError


def test_job_reports_progress_and_returns_result():
    def work(job, n):
        for i in range(n):
            job.report((i + 1) / n, f"step {i + 1}")
        return n * 2

    job = jobs.submit(work, 4).wait(10)
    assert job.status == jobs.DONE and job.result == 8
    assert job.progress == 1.0 and job.message == "step 4"


def test_job_can_be_cancelled():
    def work(job):
        while not job.cancelled:
            time.sleep(0.01)
        return "stopped"

    job = jobs.submit(work)
    time.sleep(0.05)
    assert not job.done
    job.cancel()
    job.wait(10)
    assert job.status == jobs.CANCELLED


def test_job_failures_are_kept_as_messages():
    def user_error(job):
        raise MedLensError("bad input, explained")

    def bug(job):
        raise ZeroDivisionError("oops")

    first = jobs.submit(user_error).wait(10)
    assert first.status == jobs.FAILED and first.error == "bad input, explained"
    second = jobs.submit(bug).wait(10)
    assert second.status == jobs.FAILED and "ZeroDivisionError" in second.error


def test_a_failing_job_shows_one_sentence_and_logs_the_trace(caplog):
    def bug(job):
        raise RuntimeError(f"broken at {__file__}\nsecond line")

    failed = jobs.submit(bug).wait(10)
    assert "\n" not in failed.error and "Traceback" not in failed.error and "server log" in failed.error
    assert "Traceback" in caplog.text and "second line" in caplog.text
