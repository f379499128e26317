"""Closed-form signatures of both papers: LOSP decay length (Hall et al. 2010 eq. 4.2), psi_X lifetimes (4.8 as printed, 4.9 derived),
hidden-sector temperatures (5.2-5.4), the non-thermalization bound, the NLSP -> gravitino lifetime (Ardu et al. 2025
eq. 27) and the hadronic BBN check. See :mod:`jaxgen._signatures` for derivations and documented discrepancies.
"""

from ._signatures import (
    C_FREEZE_IN,
    STATUS_INVALID_INPUT,
    STATUS_LIFETIME_ABOVE_RANGE,
    STATUS_LIFETIME_BELOW_RANGE,
    STATUS_OK,
    BBNCheck,
    HallSignatureParams,
    HallSignatures,
    ardu_eq_27,
    asymmetric_nlsp_yield,
    bbn_check,
    bbn_hadronic_bound,
    freezeout_running_ratio,
    hall_eq_4_2,
    hall_eq_4_8,
    hall_eq_4_9,
    hall_eq_5_2,
    hall_eq_5_3,
    hall_eq_5_4,
    hall_signatures,
    hall_thermalization_bound,
    hidden_freezeout_temperature,
    hidden_temperature_at_losp_decay,
    hidden_temperature_ratio,
    losp_decay_length,
    losp_decay_temperature,
    losp_lifetime_from_relic,
    losp_width_from_coupling,
    losp_width_from_relic,
    nlsp_lifetime,
    nlsp_width,
    psi_x_lhu_channel_sum,
    psi_x_lifetime_lhu,
    psi_x_neutrino_mixing,
    psi_x_width_lhu,
    psi_x_lifetime_xudd,
    thermalization_coupling_bound,
    thermalization_ratio,
)
from ._signatures import __all__ as _all

__all__ = list(_all)
