"""SAP ECC: sales orders and customers through a SOAP service (zeep), for tap-sap.

tap-sap reads S/4HANA through OData (API_SALES_ORDER_SRV); with ``protocol: soap`` it
reads ECC through :class:`connectors.sap.ecc.client.EccClient` instead, which yields the
same records. See docs/sources/sap.md, section "ECC (SOAP)".
"""
