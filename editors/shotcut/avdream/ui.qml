// The avdream filter's panel in Shotcut: the dream (a fast dream filter, or the slow optimizer),
// strength, seed and whether the dream follows the motion.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shotcut.Controls as Shotcut

Item {
    width: 350
    height: 150
    Component.onCompleted: {
        if (filter.isNew) {
            filter.set('filter', 'default')
            filter.set('strength', 0.5)
            filter.set('seed', '0')
            filter.set('flow', 1)
        }
        dreamCombo.currentIndex = Math.max(0, dreamCombo.values.indexOf(filter.get('filter')))
        strengthSlider.value = filter.getDouble('strength') * 100
        seedSpinner.value = parseInt(filter.get('seed')) || 0
        flowCheck.checked = filter.get('flow') === '1'
    }

    GridLayout {
        columns: 2
        anchors.fill: parent
        anchors.margins: 8

        Label { text: qsTr('Dream') }
        ComboBox {
            id: dreamCombo
            property var values: ['default', 'animal-faces', '']
            model: [qsTr('Default dream (fast filter)'), qsTr('Animal faces (fast filter)'), qsTr('Full dream (optimizer, slow)')]
            onActivated: filter.set('filter', values[currentIndex])
        }
        Label { text: qsTr('Strength') }
        Shotcut.SliderSpinner {
            id: strengthSlider
            minimumValue: 0
            maximumValue: 100
            suffix: ' %'
            onValueChanged: filter.set('strength', value / 100)
        }
        Label { text: qsTr('Seed') }
        SpinBox {
            id: seedSpinner
            from: 0
            to: 99999
            onValueModified: filter.set('seed', value.toString())
        }
        Label { text: qsTr('Follow motion') }
        CheckBox {
            id: flowCheck
            onClicked: filter.set('flow', checked ? 1 : 0)
        }
        Item { Layout.fillHeight: true }
    }
}
