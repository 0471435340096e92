from studio.core.energy import BATTERIES, estimate_energy


def test_cr2032_at_200_microwatts_lasts_about_150_days(board):
    import dataclasses
    # choose currents so the average power is 200 µW at 3 V, always sleeping
    b = dataclasses.replace(board, supply_mv=3000, active_current_ua=0, sleep_current_ua=200 // 3)
    e = estimate_energy(b, active_us=0.0, period_us=1000.0, battery=BATTERIES["CR2032"])
    assert 145 < e.battery_life_days < 155  # seed 003: "about 150 days"


def test_energy_per_inference_is_active_power_times_time(board):
    e = estimate_energy(board, active_us=1000.0, period_us=10_000.0)
    assert abs(e.energy_per_inference_uj - board.supply_mv / 1000 * board.active_current_ua * 1e-6 * 1000) < 1e-9
