import json

from benchmarks import run


def _results(date, sections):
    return dict(date=date, quick=False, machine=dict(cpu='CPU A'), reference={}, sections=sections)


def test_sections_not_run_are_carried_over_with_their_date(tmp_path):
    path = tmp_path / 'results.json'
    row = dict(benchmark='latency/x', setting='s', value=1.0, unit='ms', reference_ratio=0.5)
    path.write_text(json.dumps(_results('2026-01-01 00:00 UTC',
                                        dict(latency=[row], peers=[dict(row, benchmark='old')]))))
    rows, when = run.carried_over(str(path), measured=dict(peers=[]))
    assert rows == dict(latency=[row])
    assert when == dict(latency=dict(date='2026-01-01 00:00 UTC', cpu='CPU A'))


def test_no_earlier_results_carry_nothing(tmp_path):
    assert run.carried_over(str(tmp_path / 'absent.json'), measured={}) == ({}, {})


def test_markdown_marks_carried_over_sections():
    row = dict(benchmark='latency/x', setting='s', value=1.0, unit='ms', reference_ratio=0.5)
    results = _results('2026-02-02 00:00 UTC', dict(latency=[row], peers=[row]))
    results['machine'].update(logical_cpus=2, torch='t')
    results['section_runs'] = dict(latency=dict(date='2026-01-01 00:00 UTC', cpu='CPU B'),
                                   peers=dict(date='2026-02-02 00:00 UTC', cpu='CPU A'))
    text = run.to_markdown(results)
    latency, peers = text.split('## latency')[1].split('## peers')
    assert 'Carried over from the run of 2026-01-01 00:00 UTC on CPU B' in latency
    assert 'Carried over' not in peers
