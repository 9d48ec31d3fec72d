// Shotcut's description of the avdream frei0r filter: copy this folder (avdream/) into
// Shotcut's filters folder (Linux: /usr/share/shotcut/qml/filters/) and restart Shotcut;
// "DeepDream (avdream)" appears under Video filters. See the README's "In video editors".
import QtQuick
import org.shotcut.qml

Metadata {
    type: Metadata.Filter
    name: qsTr('DeepDream (avdream)')
    mlt_service: 'frei0r.avdream'
    keywords: qsTr('deepdream dream neural network avdream', 'search keywords for the DeepDream filter')
    qml: 'ui.qml'
    isGpuCompatible: false
}
