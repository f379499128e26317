"""The status module jaxgen_kernels._status: vocabularies declared once (bit flags or enumerations) and ONE decoder,
used by every result type; the numeric values and STATUS_* constants of every module are unchanged."""

import numpy as np
import pytest

import jaxgen_kernels as kernels
from jaxgen import _cp, _fit, _freezein, _freezeout, _signatures, _washout
from jaxgen.scenarios import ardu, hall
from jaxgen_kernels import _status

# ---------------------------------------------------------------------------------------------------------------
# the helper itself
# ---------------------------------------------------------------------------------------------------------------
Flags = _status.flag_vocabulary("Flags", {"BAD_INPUT": (1, "a bad input"), "OVERFLOW": (4, "an overflow")})
Codes = _status.enum_vocabulary("Codes", {"OK": (0, "ok"), "MAX_STEPS": (1, "out of steps"), "BROKEN": (7, "bad")})


def test_flag_vocabulary_decodes_bits_in_declaration_order():
    assert _status.decode(Flags, 0) == []
    assert _status.decode(Flags, 5) == ["bad_input", "overflow"] == Flags.decode(5) == _status.names(Flags, 5)
    assert _status.messages(Flags, 4) == ["an overflow"] == Flags.messages(4)
    assert _status.decode(Flags, np.int32(1)) == ["bad_input"]  # 0-d arrays and NumPy ints
    assert _status.decode(Flags, 1 | 2) == ["bad_input", "unknown_2"]  # unknown bits are reported, never dropped
    assert Flags.BAD_INPUT == 1 and int(Flags.BAD_INPUT | Flags.OVERFLOW) == 5 and _status.mask(Flags) == 5
    assert isinstance(Flags.BAD_INPUT, int) and issubclass(Flags, _status.StatusFlags)
    assert Flags.table() == {1: ("bad_input", "a bad input"), 4: ("overflow", "an overflow")}


def test_enum_vocabulary_decodes_one_value():
    assert Codes.decode(0) == [] and Codes.decode(1) == ["max_steps"] and Codes.decode(7) == ["broken"]
    assert Codes.decode(3) == ["unknown_3"] and Codes.messages(1) == ["out of steps"]
    assert issubclass(Codes, _status.StatusEnum) and Codes.MAX_STEPS == 1


def test_bad_declarations_raise():
    with pytest.raises(ValueError, match="powers of two"):
        _status.flag_vocabulary("V", {"A": (3, "x")})
    with pytest.raises(ValueError, match="share a value"):
        _status.enum_vocabulary("V", {"A": (1, "x"), "B": (1, "y")})
    with pytest.raises(ValueError, match="UPPER_CASE"):
        _status.enum_vocabulary("V", {"a": (1, "x")})
    with pytest.raises(ValueError, match="message"):
        _status.enum_vocabulary("V", {"A": (1, "")})
    with pytest.raises(TypeError, match="one integer"):
        _status.decode(Flags, [1, 2])


def test_exported_from_the_kernels_package():
    assert kernels.decode is _status.decode and kernels.flag_vocabulary is _status.flag_vocabulary
    assert kernels.OdeStatus.decode(kernels.STATUS_MAX_STEPS) == ["max_steps"]


# ---------------------------------------------------------------------------------------------------------------
# every result type: numeric values unchanged, decoded through the one helper
# ---------------------------------------------------------------------------------------------------------------
VALUES = [
    (
        kernels,
        dict(STATUS_OK=0, STATUS_MAX_STEPS=1, STATUS_DT_MIN=2, STATUS_NONLINEAR=3, STATUS_NONFINITE=4, STATUS_OTHER=9),
    ),
    (_freezein, dict(STATUS_OK=0, STATUS_BAD_INPUT=10)),
    (
        _freezeout,
        dict(STATUS_OK=0, STATUS_MAX_STEPS=1, STATUS_SOLVER_FAILED=2, STATUS_NONFINITE=3, STATUS_NONFINITE_RESULT=3),
    ),
    (
        _washout,
        dict(
            STATUS_OK=0,
            STATUS_NO_EQUILIBRIUM=1,
            STATUS_NO_DECOUPLING=2,
            STATUS_BAD_INPUT=4,
            STATUS_ODE_FAILED=8,
            STATUS_NONFINITE=16,
        ),
    ),
    (
        _signatures,
        dict(STATUS_OK=0, STATUS_INVALID_INPUT=1, STATUS_LIFETIME_BELOW_RANGE=2, STATUS_LIFETIME_ABOVE_RANGE=3),
    ),
    (_cp, dict(STATUS_OK=0, STATUS_NO_OPEN_CUT=1, STATUS_BAD_SPECTRUM=2)),
    (_fit, dict(FIT_OK=0, FIT_NOT_CONVERGED=1, FIT_AT_BOUND=2, FIT_COVARIANCE_SINGULAR=4, FIT_CHAIN_INVALID=8)),
    (
        hall,
        dict(
            STATUS_OK=0,
            STATUS_BAD_INPUT=1,
            STATUS_THERMALIZED=2,
            STATUS_SYMMETRIC_SURVIVES=4,
            STATUS_FREEZEIN_FAILED=8,
            STATUS_FREEZEOUT_FAILED=16,
            STATUS_FREEZEOUT_BEFORE_DECAY=32,
            STATUS_NO_ASYMMETRY=64,
            STATUS_SPECTRUM=128,
            STATUS_NONFINITE=256,
            STATUS_UNPHYSICAL_ASYMMETRY=512,
            STATUS_CLOSED_CHANNEL=1024,
            STATUS_OVERPRODUCED=2048,
            STATUS_ERROR_MASK=3865,
            STATUS_DIAGNOSTIC_MASK=230,
        ),
    ),
    (
        ardu,
        dict(
            STATUS_OK=0,
            STATUS_BAD_INPUT=1,
            STATUS_EQUILIBRIUM_FAILED=2,
            STATUS_NO_ASYMMETRY=4,
            STATUS_WASHOUT_FAILED=8,
            STATUS_FULL_WASHOUT=16,
            STATUS_NO_DECOUPLING=32,
            STATUS_HEAVY_GRAVITINO=64,
            STATUS_LIFETIME_BELOW_RANGE=128,
            STATUS_LIFETIME_ABOVE_RANGE=256,
            STATUS_BBN_EXCLUDED=512,
            STATUS_NONFINITE=1024,
            STATUS_INVALID=1119,
            STATUS_ERROR_MASK=1119,
            STATUS_DIAGNOSTIC_MASK=928,
        ),
    ),
]


@pytest.mark.parametrize("mod,values", VALUES, ids=lambda v: getattr(v, "__name__", ""))
def test_numeric_values_unchanged_and_plain_ints(mod, values):
    for name, value in values.items():
        got = getattr(mod, name)
        assert type(got) is int and got == value, (mod.__name__, name, got)


VOCABS = [
    (kernels.OdeStatus, _status.StatusEnum),
    (_freezein.FreezeInStatus, _status.StatusEnum),
    (_freezeout.FreezeOutStatus, _status.StatusEnum),
    (_washout.WashoutStatus, _status.StatusFlags),
    (_signatures.SignatureStatus, _status.StatusEnum),
    (_cp.CPStatus, _status.StatusEnum),
    (_fit.FitStatus, _status.StatusFlags),
    (hall.HallStatus, _status.StatusFlags),
    (ardu.ArduStatus, _status.StatusFlags),
]


@pytest.mark.parametrize("vocab,kind", VOCABS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_vocabulary_is_declared_with_the_helper(vocab, kind):
    assert issubclass(vocab, kind)
    for value, (name, message) in vocab.table().items():
        assert name == name.lower() and name.isidentifier() and message
        assert _status.decode(vocab, value) == ([] if value == 0 else [name])


def test_module_decoders_go_through_the_helper():
    assert _freezein.status_names(_freezein.STATUS_BAD_INPUT) == ["bad_input"]
    assert _freezein.status_names(kernels.STATUS_NONFINITE) == ["nonfinite"]  # the kernel enumeration, reused
    assert _freezeout.status_names(_freezeout.STATUS_MAX_STEPS) == ["max_steps"]
    assert _washout.status_names(_washout.STATUS_BAD_INPUT | _washout.STATUS_ODE_FAILED) == ["bad_input", "ode_failed"]
    assert _signatures.status_names(_signatures.STATUS_LIFETIME_ABOVE_RANGE) == ["lifetime_above_range"]
    assert _cp.status_names(_cp.STATUS_BAD_SPECTRUM) == ["bad_spectrum"] and _cp.status_names(0) == []
    assert hall.decode_status(hall.STATUS_BAD_INPUT | hall.STATUS_SPECTRUM) == ["bad_input", "spectrum"]
    assert ardu.decode_status(ardu.STATUS_BBN_EXCLUDED) == ["bbn_excluded"] == ardu.status_names(512)


def test_nonfinite_disagreement_is_resolved():
    """kernels: 4 = "nonfinite" (the ODE enumeration, also freeze-in's); freeze-out keeps its own 3, named
    "nonfinite_result" (STATUS_NONFINITE stays its alias): the two numbers are different codes of different
    vocabularies, and neither value changed."""
    assert kernels.STATUS_NONFINITE == 4 and kernels.OdeStatus.decode(4) == ["nonfinite"]
    assert _freezein.FreezeInStatus.decode(4) == ["nonfinite"]
    assert _freezeout.STATUS_NONFINITE == _freezeout.STATUS_NONFINITE_RESULT == 3
    assert _freezeout.FreezeOutStatus.decode(3) == ["nonfinite_result"]
    assert _freezeout.FreezeOutStatus.decode(4) == ["unknown_4"]


def test_existing_decoders_keep_their_output():
    # Hall: sentences (STATUS_MESSAGES), as before; Ardu: snake_case names, as before; both vocabularies give both
    assert hall.status_names(hall.STATUS_SPECTRUM) == [hall.STATUS_MESSAGES[hall.STATUS_SPECTRUM]]
    assert hall.status_messages(3) == hall.status_names(3) and len(hall.status_names(3)) == 2
    assert ardu.status_names(ardu.STATUS_LIFETIME_BELOW_RANGE | ardu.STATUS_BBN_EXCLUDED) == [
        "lifetime_below_bbn_range",
        "bbn_excluded",
    ]
    assert (
        ardu.status_names(ardu.STATUS_NONFINITE) == ["nonfinite_output"] == hall.decode_status(hall.STATUS_NONFINITE)
    )  # one style in both chains
    assert set(ardu.STATUS_MESSAGES) == {int(m) for m in ardu.ArduStatus._ordered_}
    # fit: upper-case FIT_* names and FIT_STATUS_MESSAGES, as before
    assert _fit.fit_status_names(_fit.FIT_AT_BOUND | _fit.FIT_NOT_CONVERGED) == ["FIT_NOT_CONVERGED", "FIT_AT_BOUND"]
    assert _fit.FIT_STATUS_BITS == {
        1: "FIT_NOT_CONVERGED",
        2: "FIT_AT_BOUND",
        4: "FIT_COVARIANCE_SINGULAR",
        8: "FIT_CHAIN_INVALID",
    }
    assert _fit.FitStatus.messages(8) == [_fit.FIT_STATUS_MESSAGES[8]]
    # kernels: STATUS_MESSAGES unchanged
    assert kernels.STATUS_MESSAGES[kernels.STATUS_NONFINITE] == "non-finite state"
    assert kernels.OdeStatus.messages(kernels.STATUS_NONFINITE) == ["non-finite state"]


@pytest.mark.parametrize("mod", [hall, ardu], ids=lambda m: m.__name__)
def test_chain_masks_split_the_vocabulary(mod):
    err, diag = mod.STATUS_ERROR_MASK, mod.STATUS_DIAGNOSTIC_MASK
    assert err & diag == 0 and err | diag == _status.mask(mod.HallStatus if mod is hall else mod.ArduStatus)
